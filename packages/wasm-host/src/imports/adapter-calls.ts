// What the bindings call on an adapter: its async surface (isolated mode) or core's sync facet (in-thread).
import type {
  KvError,
  KvOperations,
  Result,
  ResultAsync,
  SqlError,
  SqlOperations,
  SqlTransactionOperations,
} from '@keel/core';

type OkOf<F> = F extends (...args: never[]) => ResultAsync<infer T, unknown> ? T : never;

/** An adapter call's outcome: a `Result` from a synchronous facet, a `ResultAsync` otherwise. */
export type Outcome<T, E> = Result<T, E> | PromiseLike<Result<T, E>>;

/** What the kv binding calls: the async `Kv` (isolated mode) or core's `kv.sync` (in-thread). */
export type KvCalls = {
  readonly [K in keyof KvOperations]: (...args: Parameters<KvOperations[K]>) => Outcome<OkOf<KvOperations[K]>, KvError>;
};

/** A transaction as the sql binding uses it, from either face. */
export interface SqlTransactionCalls {
  query(
    ...args: Parameters<SqlTransactionOperations['query']>
  ): Outcome<OkOf<SqlTransactionOperations['query']>, SqlError>;
  execute(
    ...args: Parameters<SqlTransactionOperations['execute']>
  ): Outcome<OkOf<SqlTransactionOperations['execute']>, SqlError>;
  executeScript(script: string): Outcome<void, SqlError>;
  begin(): Outcome<SqlTransactionCalls, SqlError>;
  commit(): Outcome<void, SqlError>;
  rollback(): Outcome<void, SqlError>;
}

/** What the sql binding calls: the async `Sql` (isolated mode) or core's `sql.sync` (in-thread). */
export interface SqlCalls {
  query(...args: Parameters<SqlOperations['query']>): Outcome<OkOf<SqlOperations['query']>, SqlError>;
  execute(...args: Parameters<SqlOperations['execute']>): Outcome<OkOf<SqlOperations['execute']>, SqlError>;
  executeScript(script: string): Outcome<void, SqlError>;
  begin(): Outcome<SqlTransactionCalls, SqlError>;
}

/** Runs `ok` or `fail` on an outcome, synchronously when it is a `Result`. */
export function settle<T, E, R>(
  outcome: Outcome<T, E>,
  ok: (value: T) => R,
  fail: (error: E) => never,
): R | Promise<R> {
  if (typeof (outcome as { then?: unknown }).then === 'function') {
    return Promise.resolve(outcome as PromiseLike<Result<T, E>>).then((r) => (r.isOk() ? ok(r.value) : fail(r.error)));
  }
  const r = outcome as Result<T, E>;
  return r.isOk() ? ok(r.value) : fail(r.error);
}
