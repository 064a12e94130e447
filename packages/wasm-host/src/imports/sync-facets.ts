import type { KvError, KvOperations, Result, ResultAsync, SqlError, SqlOperations, SqlTransactionOperations } from '@keel/core';

type Synchronous<F> = F extends (...args: infer A) => ResultAsync<infer T, infer E> ? (...args: A) => Result<T, E> : never;
type OkOf<F> = F extends (...args: never[]) => ResultAsync<infer T, unknown> ? T : never;

/** An adapter call's outcome: a `Result` from a synchronous facet, a `ResultAsync` otherwise. */
export type Outcome<T, E> = Result<T, E> | PromiseLike<Result<T, E>>;

/**
 * The synchronous face of a kv adapter: the contract's operations, guarded the same way, but
 * returning `Result` instead of `ResultAsync`. An adapter whose driver answers synchronously
 * (such as the in-memory one) can offer it as `kv.sync`; in-thread components need it, because
 * a guest's imports are synchronous and Node 20 cannot suspend wasm to await a promise.
 */
export type KvSync = { readonly [K in keyof KvOperations]: Synchronous<KvOperations[K]> };

/** The synchronous face of a sql transaction (see `SqlSync`). */
export interface SqlTransactionSync {
  query(...args: Parameters<SqlTransactionOperations['query']>): Result<OkOf<SqlTransactionOperations['query']>, SqlError>;
  execute(...args: Parameters<SqlTransactionOperations['execute']>): Result<OkOf<SqlTransactionOperations['execute']>, SqlError>;
  executeScript(script: string): Result<void, SqlError>;
  begin(): Result<SqlTransactionSync, SqlError>;
  commit(): Result<void, SqlError>;
  rollback(): Result<void, SqlError>;
}

/** The synchronous face of a sql adapter, offered as `sql.sync` (see `KvSync`). */
export interface SqlSync {
  query(...args: Parameters<SqlOperations['query']>): Result<OkOf<SqlOperations['query']>, SqlError>;
  execute(...args: Parameters<SqlOperations['execute']>): Result<OkOf<SqlOperations['execute']>, SqlError>;
  executeScript(script: string): Result<void, SqlError>;
  begin(): Result<SqlTransactionSync, SqlError>;
}

/** What the kv binding calls: the async `Kv` (isolated mode) or its `sync` facet (in-thread). */
export type KvCalls = {
  readonly [K in keyof KvOperations]: (...args: Parameters<KvOperations[K]>) => Outcome<OkOf<KvOperations[K]>, KvError>;
};

/** A transaction as the sql binding uses it, from either face. */
export interface SqlTransactionCalls {
  query(...args: Parameters<SqlTransactionOperations['query']>): Outcome<OkOf<SqlTransactionOperations['query']>, SqlError>;
  execute(...args: Parameters<SqlTransactionOperations['execute']>): Outcome<OkOf<SqlTransactionOperations['execute']>, SqlError>;
  executeScript(script: string): Outcome<void, SqlError>;
  begin(): Outcome<SqlTransactionCalls, SqlError>;
  commit(): Outcome<void, SqlError>;
  rollback(): Outcome<void, SqlError>;
}

/** What the sql binding calls: the async `Sql` (isolated mode) or its `sync` facet (in-thread). */
export interface SqlCalls {
  query(...args: Parameters<SqlOperations['query']>): Outcome<OkOf<SqlOperations['query']>, SqlError>;
  execute(...args: Parameters<SqlOperations['execute']>): Outcome<OkOf<SqlOperations['execute']>, SqlError>;
  executeScript(script: string): Outcome<void, SqlError>;
  begin(): Outcome<SqlTransactionCalls, SqlError>;
}

/** `adapter.sync`, when the adapter offers one. */
export function syncFacet<T>(adapter: unknown): T | undefined {
  const sync = (adapter as { sync?: unknown } | null | undefined)?.sync;
  return typeof sync === 'object' && sync !== null ? (sync as T) : undefined;
}

/** Runs `ok` or `fail` on an outcome, synchronously when it is a `Result`. */
export function settle<T, E, R>(outcome: Outcome<T, E>, ok: (value: T) => R, fail: (error: E) => never): R | Promise<R> {
  if (typeof (outcome as { then?: unknown }).then === 'function') {
    return Promise.resolve(outcome as PromiseLike<Result<T, E>>).then((r) => (r.isOk() ? ok(r.value) : fail(r.error)));
  }
  const r = outcome as Result<T, E>;
  return r.isOk() ? ok(r.value) : fail(r.error);
}
