import { errAsync, type ResultAsync } from 'neverthrow';
import { guardedCall, type GuardErrors } from '../lifecycle/guarded-call.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import type { SqlOperations, SqlTransaction } from './sql-contract.js';
import { SqlError } from './sql-errors.js';

/** A subscription to one channel; `close()` ends it (idempotent). */
export interface SqlListener {
  readonly channel: string;
  close(): Promise<void>;
}

/**
 * Wake-ups between the processes sharing one database (PostgreSQL's `LISTEN`/`NOTIFY`): present
 * as `sql.notifications` exactly when `capabilities.notifications`. A notification is a hint,
 * not a message queue: one sent while a listener's connection was down is lost, so a listener
 * that must not miss work also polls (a notification only makes it look sooner).
 *
 * @example
 * const listener = (await sql.notifications!.listen('keel_jobs', () => wake()))._unsafeUnwrap();
 * await sql.transaction((tx) => enqueue(tx).andThen(() => sql.notifications!.notify('keel_jobs', '', tx)));
 * await listener.close();
 */
export interface SqlNotifications {
  /**
   * Calls `onNotification(payload)` for each notification on `channel`, from any process on the
   * database, this one included, from when the listener is ready until it closes. The listener
   * listens again by itself after its connection is lost. A throw from `onNotification` is dropped.
   */
  listen(channel: string, onNotification: (payload: string) => void): ResultAsync<SqlListener, SqlError>;
  /**
   * Sends `payload` on `channel`: when `tx` commits when one is given (never, if it rolls back),
   * else at once. Channel names are lower-case identifiers (`[a-z_][a-z0-9_]*`, at most 63).
   */
  notify(channel: string, payload?: string, tx?: SqlTransaction): ResultAsync<void, SqlError>;
}

/** What a driver with the `notifications` capability provides. */
export interface SqlNotificationsDriver {
  /** Starts listening; resolves once notifications on `channel` will be delivered. */
  listen(channel: string, onNotification: (payload: string) => void): MaybePromise<{ close(): MaybePromise<void> }>;
  /** The statement that notifies, with two `?` parameters: channel and payload (`SELECT pg_notify(?, ?)`). */
  readonly notifyStatement: string;
}

const channelPattern = /^[a-z_][a-z0-9_]{0,62}$/;
export const maxPayloadBytes = 7999; // PostgreSQL's limit is 8000 bytes including the terminator.

/** Wraps a driver's notifications in core's guard: names and payloads checked, lifecycle enforced, throws as `Err`. */
export function notificationsFacet(
  adapter: string,
  lifecycle: Lifecycle,
  errors: GuardErrors<SqlError>,
  driver: SqlNotificationsDriver,
  database: Pick<SqlOperations, 'query'>,
): SqlNotifications {
  const invalid = (op: string, message: string) =>
    errAsync(new SqlError({ code: 'INVALID_PARAMETER', message: `sql.notifications.${op}: ${message}`, adapter, op }));
  const badChannel = (channel: unknown) =>
    typeof channel !== 'string' || !channelPattern.test(channel)
      ? `channel ${JSON.stringify(channel)} is not a lower-case identifier of at most 63 characters ([a-z_][a-z0-9_]*)`
      : undefined;
  return Object.freeze({
    listen(channel: string, onNotification: (payload: string) => void) {
      const problem = badChannel(channel);
      if (problem) return invalid('listen', problem);
      if (typeof onNotification !== 'function') throw new TypeError('sql.notifications.listen: expected a function');
      const deliver = (payload: string) => {
        try {
          onNotification(payload);
        } catch {
          // The connection delivering it is shared by every listener: a listener's bug stays its own.
        }
      };
      return guardedCall(lifecycle, errors, 'listen', async () => {
        const started = await driver.listen(channel, deliver);
        let closed: Promise<void> | undefined;
        return Object.freeze({
          channel,
          close: () => {
            closed ??= Promise.resolve(started.close()).then(() => undefined);
            return closed;
          },
        });
      });
    },
    notify(channel: string, payload = '', tx?: SqlTransaction) {
      const problem = badChannel(channel);
      if (problem) return invalid('notify', problem);
      if (typeof payload !== 'string') return invalid('notify', 'payload must be a string');
      if (Buffer.byteLength(payload) > maxPayloadBytes)
        return invalid('notify', `payload is ${Buffer.byteLength(payload)} bytes; the most is ${maxPayloadBytes}`);
      return (tx ?? database).query(driver.notifyStatement, [channel, payload]).map(() => undefined);
    },
  });
}
