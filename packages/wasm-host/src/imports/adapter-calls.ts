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

/**
 * A transaction as the sql binding uses it, from any face: the adapter's (`SqlError`) or a
 * sql sandbox's (`SqlSandboxError`).
 */
export interface SqlTransactionCalls<E = SqlError> {
  query(...args: Parameters<SqlTransactionOperations['query']>): Outcome<OkOf<SqlTransactionOperations['query']>, E>;
  execute(
    ...args: Parameters<SqlTransactionOperations['execute']>
  ): Outcome<OkOf<SqlTransactionOperations['execute']>, E>;
  executeScript(script: string): Outcome<void, E>;
  begin(): Outcome<SqlTransactionCalls<E>, E>;
  commit(): Outcome<void, E>;
  rollback(): Outcome<void, E>;
}

/**
 * What the sql binding calls: the async `Sql` (isolated mode), core's `sql.sync` (in-thread), or
 * a `SqlSandbox` (isolated mode, on an adapter that has one).
 */
export interface SqlCalls<E = SqlError> {
  query(...args: Parameters<SqlOperations['query']>): Outcome<OkOf<SqlOperations['query']>, E>;
  execute(...args: Parameters<SqlOperations['execute']>): Outcome<OkOf<SqlOperations['execute']>, E>;
  executeScript(script: string): Outcome<void, E>;
  begin(): Outcome<SqlTransactionCalls<E>, E>;
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
