import type { Redis } from 'ioredis';
import { send } from './redis-messaging-connection.js';
import { commandFailure } from './redis-messaging-errors.js';
import { commandWatchdog } from './redis-messaging-watchdog.js';

/**
 * How the adapter's calls reach Redis, each bounded by `timeoutMs` and each failure made a
 * `MessagingError` (`commandFailure`). One watchdog per kind of connection: the main connection
 * answers in order, so its settled calls leave the watchdog's queue from the front at once; a
 * blocking read on a pool connection, waiting up to a second at that front, would hold
 * everything behind it.
 */
export function redisCalls(timeoutMs: number, redis: () => Redis) {
  const watchdog = commandWatchdog(timeoutMs);
  const blockingWatchdog = commandWatchdog(timeoutMs);
  const limited =
    (watching: ReturnType<typeof commandWatchdog>) =>
    // Not an async function: each await is a promise and a hop.
    <T>(subject: string | undefined, call: () => Promise<T>): Promise<T> => {
      let pending: Promise<T>;
      try {
        pending = call();
      } catch (thrown) {
        return Promise.reject(commandFailure(thrown, subject));
      }
      return watching.limit(pending, (thrown) => commandFailure(thrown, subject));
    };
  return {
    /** A call on the main connection that is not one command (a script): one promise around it. */
    run: limited(watchdog),
    /** A call on a pool connection (a blocking read). */
    runBlocking: limited(blockingWatchdog),
    /**
     * One command on the main connection, the hot path's: no promise but ioredis's own. The
     * caller maps its failure with `.then(…, failed(subject))`.
     */
    command<T>(name: string, args: (string | Buffer | number)[], bytes = false): Promise<T> {
      try {
        return watchdog.command(send(redis(), name, args, bytes)).promise as Promise<T>;
      } catch (thrown) {
        // A rejection, like every other failure: an ack queue waits for it to be released.
        return Promise.reject(thrown);
      }
    },
    failed: (subject: string) => (thrown: unknown) => {
      throw commandFailure(thrown, subject);
    },
    close() {
      watchdog.close();
      blockingWatchdog.close();
    },
  };
}
