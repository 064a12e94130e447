import { errAsync, okAsync, type ResultAsync, type Sql, type SqlNotifications, type SqlTransaction } from '@keel/core';
import { jobsError, type JobsError } from './jobs-errors.js';

/**
 * Wakes this process's idle workers when a job of their name may be due, so a job starts
 * without waiting for the next poll: at once for a job enqueued here outside a transaction, and
 * through `sql.notifications` (see `notificationWakeups`) for jobs other processes enqueued or
 * that were enqueued in a transaction.
 *
 * @example
 * const wakeups = localWakeups();
 * const off = wakeups.subscribe('digest.send', () => worker.poke());
 * wakeups.wake('digest.send');
 */
export interface LocalWakeups {
  subscribe(name: string, wake: () => void): () => void;
  wake(name: string): void;
  /** Wakes every worker (a notification that names no job). */
  wakeAll(): void;
}

export function localWakeups(): LocalWakeups {
  const listeners = new Map<string, Set<() => void>>();
  return {
    subscribe(name, wake) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set.add(wake));
      return () => set.delete(wake);
    },
    wake(name) {
      for (const wake of listeners.get(name) ?? []) wake();
    },
    wakeAll() {
      for (const set of listeners.values()) for (const wake of set) wake();
    },
  };
}

/** Longest job name sent; a longer one is sent empty, which wakes every worker. */
const maxNameLength = 2000;
/**
 * Wake-ups from notifications are at most this often per instance: the first at once, those
 * that come meanwhile together at the end of the window, so that a burst of enqueues elsewhere
 * makes idle workers claim in batches rather than once per job.
 */
const throttleMs = 10;

/**
 * Wake-ups between processes on `sql.notifications` (PostgreSQL's LISTEN/NOTIFY). `announce`
 * notifies `channel` with `<origin>:<job name>`: in the enqueueing transaction (delivered at
 * commit, never for a rollback), or after an insert outside one, without waiting for it. The origin is this
 * instance's id when its own workers were already woken locally (an enqueue outside a
 * transaction), so that its listener skips the echo; otherwise empty. `listen` wakes the local
 * workers of the named job and returns how to stop; a listener that cannot start is reported,
 * and polling carries on alone.
 *
 * @example
 * const wakes = notificationWakeups(sql.notifications!, 'keel_jobs_wake', instanceId);
 * const stop = wakes.listen(rt.wakeups, report);
 * await wakes.announce(tx, 'digest.send');
 */
export function notificationWakeups(notifications: SqlNotifications, channel: string, origin: string) {
  return {
    announce(target: Sql | SqlTransaction, name: string): ResultAsync<void, JobsError> {
      const inTransaction = 'depth' in target;
      const payload = `${inTransaction ? '' : origin}:${name.length > maxNameLength ? '' : name}`;
      if (!inTransaction) {
        // The job is committed already: the enqueue need not wait for its wake-up (a second round
        // trip), and a lost one only waits for the poll.
        void notifications.notify(channel, payload);
        return okAsync(undefined);
      }
      return notifications
        .notify(channel, payload, target)
        .orElse((cause) =>
          errAsync(jobsError('DATABASE', 'enqueue', `notifying the workers failed: ${cause.message}`, cause)),
        );
    },
    listen(wakeups: LocalWakeups, report: (error: Error) => void): () => Promise<void> {
      const throttled = throttle(wakeups);
      const listening = notifications.listen(channel, (payload) => {
        const at = payload.indexOf(':');
        if (at > 0 && payload.slice(0, at) === origin) return;
        const name = payload.slice(at + 1);
        throttled.add(at < 0 || name === '' ? undefined : name);
      });
      // What was announced before the LISTEN took hold went unheard: look once now, not at the next poll.
      void listening.map(() => throttled.add(undefined)).mapErr(report);
      return async () => {
        throttled.stop();
        await listening.match(
          (listener) => listener.close(),
          () => undefined,
        );
      };
    },
  };
}

/** Wakes at once, then at most once per `throttleMs` the names gathered meanwhile (`undefined`: all). */
function throttle(wakeups: LocalWakeups) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gathered: Set<string> | 'all' | undefined;
  const flush = () => {
    timer = undefined;
    if (gathered === undefined) return;
    const names = gathered;
    gathered = undefined;
    timer = setTimeout(flush, throttleMs);
    if (names === 'all') wakeups.wakeAll();
    else for (const name of names) wakeups.wake(name);
  };
  return {
    add(name: string | undefined) {
      if (name === undefined || gathered === 'all') gathered = 'all';
      else {
        gathered ??= new Set();
        gathered.add(name);
      }
      if (timer === undefined) flush();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
      gathered = undefined;
    },
  };
}
