import {
  errAsync,
  listenForWakes,
  okAsync,
  type ResultAsync,
  type Sql,
  type SqlNotifications,
  type SqlTransaction,
  wakePayload,
} from '@keel/core';
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

/**
 * Wake-ups from notifications are at most this often per instance: the first at once, those
 * that come meanwhile together at the end of the window, so that a burst of enqueues elsewhere
 * makes idle workers claim in batches rather than once per job.
 */
const windowMs = 10;

/**
 * Wake-ups between processes on `sql.notifications` (PostgreSQL's LISTEN/NOTIFY), as core's
 * `wakePayload` and `listenForWakes`. `announce` notifies `channel` with the job's name: in the
 * enqueueing transaction (delivered at commit, never for a rollback), or after an insert outside
 * one, without waiting for it. The origin is this instance's id when its own workers were
 * already woken locally (an enqueue outside a transaction), so that its listener skips the echo;
 * otherwise empty. `listen` wakes the local workers of the named job and returns how to stop; a
 * listener that cannot start is reported, and polling carries on alone.
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
      const payload = wakePayload(inTransaction ? '' : origin, name);
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
      return listenForWakes(notifications, channel, {
        origin,
        parse: (name) => [name],
        wake: (names) => {
          if (names === undefined) wakeups.wakeAll();
          else for (const name of names) wakeups.wake(name);
        },
        report,
        minWindowMs: windowMs,
      });
    },
  };
}
