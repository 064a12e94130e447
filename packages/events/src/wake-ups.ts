import type { Sql, SqlParams, SqlTransaction } from '@keel/core';

/** Transactions one watcher statement waits for at most; the rest wait for the next. */
const maxKeys = 100;

/**
 * Where subscribers hear that events may have been committed, besides polling. The store makes
 * one by itself from `sql.notifications` when the sql has that capability (see
 * `notification-wakes.ts`); others can be given. `announce` runs inside each publishing
 * transaction (a notification sent there is delivered at commit); a throw or an `Err` it
 * returns fails the publish, since the transaction may be broken. `listen` calls `wake` when a
 * notification arrives and returns how to stop (awaited at `close`). Buckets narrow a wake-up to
 * the partitions concerned; without them every partition looks.
 *
 * @example
 * const source: WakeSource = {
 *   announce: (tx) => tx.execute("SELECT pg_notify('my_events', '')"),
 *   listen: (wake) => bus.on('my_events', () => wake()), // returns the unsubscribe
 * };
 * createEvents(sql, { wakeSources: [source] });
 */
export interface WakeSource {
  announce?(tx: SqlTransaction, buckets: readonly number[]): PromiseLike<unknown> | unknown;
  listen(wake: (buckets?: readonly number[]) => void): () => unknown;
}

/** The wake-ups of one store in this process: local commits, plus any `WakeSource`s given. */
export interface WakeHub {
  /**
   * After a publish in `tx`: wakes this process's subscribers once the transaction has ended.
   * `key` is the lock of one aggregate it wrote, held until it ends.
   */
  published(tx: SqlTransaction, buckets: readonly number[], key: bigint): Promise<Error | undefined>;
  /** Any subscriber's ear (`requeued`: dead letters were requeued); returns its unsubscribe. */
  listen(wake: (buckets?: readonly number[], requeued?: boolean) => void): () => void;
  /** Wakes every listener now: after a rewind, or a requeue (`requeued`). */
  wakeAll(requeued?: boolean): void;
  /** Stops listening to the sources (they start with the first listener). */
  close(): Promise<void>;
}

/**
 * The hub. A local publish is heard without polling: the contract has no commit hook, so a
 * watcher runs one statement that can only finish once the publishing transaction has ended —
 * on SQLite any statement on the database (the adapter queues it behind the open transaction),
 * on PostgreSQL a shared lock on an aggregate the transaction locked until its end. The
 * watcher is one at a time per store and covers every publish made before it started; a
 * wake-up whose transaction rolled back finds nothing, which costs one read. The sources start
 * listening with the first subscriber, so a process that only publishes holds no listener.
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
  let stopSources: (() => unknown)[] | undefined;

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
      for (const source of sources) {
        const failed = await announceFailure(() => source.announce?.(tx, buckets));
        if (failed) return failed;
      }
      if (listeners.size === 0 || closed) return;
      pending ??= { buckets: new Set(), keys: new Set() };
      for (const b of buckets) pending.buckets.add(b);
      pending.keys.add(key);
      if (!watching) void watcher();
      return undefined;
    },
    listen(wake) {
      listeners.add(wake);
      if (!closed) stopSources ??= sources.map((source) => source.listen((buckets) => emit(buckets)));
      return () => listeners.delete(wake);
    },
    wakeAll: (requeued) => emit(undefined, requeued),
    async close() {
      closed = true;
      listeners.clear();
      await Promise.all((stopSources ?? []).map((stop) => stop()));
    },
  };
}

/** What an `announce` threw or returned as an `Err`, if anything. */
async function announceFailure(announce: () => unknown): Promise<Error | undefined> {
  try {
    const outcome = (await announce()) as { isErr?: () => boolean; error?: unknown } | undefined;
    if (typeof outcome?.isErr !== 'function' || !outcome.isErr()) return undefined;
    return outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
  } catch (thrown) {
    return thrown instanceof Error ? thrown : new Error(String(thrown));
  }
}
