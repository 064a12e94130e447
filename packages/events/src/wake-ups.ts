import type { Sql, SqlParams, SqlTransaction } from '@keel/core';

/** Transactions one watcher statement waits for at most; the rest wait for the next. */
const maxKeys = 100;

/**
 * Where subscribers hear that events may have been committed, besides polling. This file is
 * the seam for a database's own notifications (PostgreSQL's LISTEN/NOTIFY once the sql
 * contract has them): `announce` runs inside each publishing transaction (a `pg_notify` is
 * delivered at commit) and `listen` calls `wake` when a notification arrives. Buckets narrow a
 * wake-up to the partitions concerned; without them every partition looks.
 *
 * @example
 * const source: WakeSource = {
 *   announce: (tx) => tx.execute("SELECT pg_notify('keel_events', '')"),
 *   listen: (wake) => notifications.on('keel_events', () => wake()), // returns the unsubscribe
 * };
 * createEvents(sql, { wakeSources: [source] });
 */
export interface WakeSource {
  announce?(tx: SqlTransaction, buckets: readonly number[]): PromiseLike<unknown> | unknown;
  listen(wake: (buckets?: readonly number[]) => void): () => void;
}

/** The wake-ups of one store in this process: local commits, plus any `WakeSource`s given. */
export interface WakeHub {
  /**
   * After a publish in `tx`: wakes this process's subscribers once the transaction has ended.
   * `key` is the lock of one aggregate it wrote, held until it ends.
   */
  published(tx: SqlTransaction, buckets: readonly number[], key: bigint): Promise<void>;
  /** Any subscriber's ear (`requeued`: dead letters were requeued); returns its unsubscribe. */
  listen(wake: (buckets?: readonly number[], requeued?: boolean) => void): () => void;
  /** Wakes every listener now: after a rewind, or a requeue (`requeued`). */
  wakeAll(requeued?: boolean): void;
  close(): void;
}

/**
 * The hub. A local publish is heard without polling: the contract has no commit hook, so a
 * watcher runs one statement that can only finish once the publishing transaction has ended —
 * on SQLite any statement on the database (the adapter queues it behind the open transaction),
 * on PostgreSQL a shared lock on an aggregate the transaction locked until its end. The
 * watcher is one at a time per store and covers every publish made before it started; a
 * wake-up whose transaction rolled back finds nothing, which costs one read.
 */
export function wakeHub(
  sql: Sql,
  awaitEnded: (keys: number) => string,
  dialect: 'sqlite' | 'postgres',
  sources: readonly WakeSource[],
): WakeHub {
  const listeners = new Set<(buckets?: readonly number[], requeued?: boolean) => void>();
  let pending: { buckets: Set<number>; keys: Set<bigint> } | undefined;
  let watching = false;
  let closed = false;
  const emit = (buckets?: readonly number[], requeued = false) => {
    for (const listener of listeners) listener(buckets, requeued);
  };
  const stopSources = sources.map((source) => source.listen((buckets) => emit(buckets)));

  const watcher = async () => {
    watching = true;
    while (pending && !closed) {
      const { buckets, keys } = pending;
      pending = undefined;
      const list = [...keys];
      if (list.length > maxKeys) {
        pending ??= { buckets: new Set(buckets), keys: new Set() };
        for (const key of list.slice(maxKeys)) pending.keys.add(key);
      }
      const params: SqlParams = dialect === 'postgres' ? list.slice(0, maxKeys) : [];
      // Whatever it answers (an error included), the transactions have ended or cannot be waited on.
      await sql.query(awaitEnded(params.length), params);
      emit([...buckets]);
    }
    watching = false;
  };

  return {
    async published(tx, buckets, key) {
      for (const source of sources) await source.announce?.(tx, buckets);
      if (listeners.size === 0 || closed) return;
      pending ??= { buckets: new Set(), keys: new Set() };
      for (const b of buckets) pending.buckets.add(b);
      pending.keys.add(key);
      if (!watching) void watcher();
    },
    listen(wake) {
      listeners.add(wake);
      return () => listeners.delete(wake);
    },
    wakeAll: (requeued) => emit(undefined, requeued),
    close() {
      closed = true;
      listeners.clear();
      for (const stop of stopSources) stop();
    },
  };
}
