import type { Result, ResultAsync } from 'neverthrow';
import type { AdapterLifecycle } from '../lifecycle/health.js';
import type { SqlCapabilities } from './sql-capabilities.js';
import type { SqlError } from './sql-errors.js';
import type { SqlNotifications } from './sql-notifications.js';
import type { SqlSandboxFactory } from './sql-sandbox.js';

/**
 * A column or parameter value, one JavaScript type per case of WIT `sql.value`:
 * `null` ↔ `null`, `integer` ↔ `bigint` (read back as `number` when it fits exactly, 2^53),
 * `real` ↔ `number`, `text` ↔ `string`, `blob` ↔ `Uint8Array`.
 */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** WIT `sql.params`: an array binds `?` positions; an object binds `:name`, `@name` and `$name`. */
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

/** WIT `sql.query-result`: rows as arrays in `columns` order (see `rowsToObjects`). */
export interface SqlQueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly SqlValue[])[];
}

/** WIT `sql.execute-result`. */
export interface SqlExecuteResult {
  readonly rowsAffected: number;
  /** The rowid of the last inserted row, when the statement inserted one. */
  readonly lastInsertId: number | bigint | undefined;
}

/** WIT `sql.constraint-kind`. */
export type SqlConstraintKind = 'unique' | 'primary-key' | 'foreign-key' | 'not-null' | 'check' | 'other';

/** The operations of WIT interface `keel:infrastructure/sql`, name for name. */
export interface SqlOperations {
  /** Runs one statement and returns its rows. */
  query(statement: string, params?: SqlParams): ResultAsync<SqlQueryResult, SqlError>;
  /** Runs one statement that changes data. */
  execute(statement: string, params?: SqlParams): ResultAsync<SqlExecuteResult, SqlError>;
  /** Runs several `;`-separated statements with no parameters (schema set-up, seeds). */
  executeScript(script: string): ResultAsync<void, SqlError>;
  /** Starts a transaction; end it with `commit` or `rollback`. Prefer `transaction(fn)`. */
  begin(): ResultAsync<SqlTransaction, SqlError>;
}

/** The methods of WIT resource `sql.transaction`, name for name. */
export interface SqlTransactionOperations {
  query(statement: string, params?: SqlParams): ResultAsync<SqlQueryResult, SqlError>;
  execute(statement: string, params?: SqlParams): ResultAsync<SqlExecuteResult, SqlError>;
  executeScript(script: string): ResultAsync<void, SqlError>;
  /** Starts a nested transaction (a savepoint). */
  begin(): ResultAsync<SqlTransaction, SqlError>;
  commit(): ResultAsync<void, SqlError>;
  rollback(): ResultAsync<void, SqlError>;
}

/** What a `transaction(fn)` body returns: a `Result`, sync or async. */
export type TransactionBody<T, E> = ResultAsync<T, E> | Result<T, E> | PromiseLike<Result<T, E>>;

/** Options of `transaction(fn, options)`. */
export interface TransactionOptions {
  /**
   * Runs the whole callback again, up to this many more times, when it ends in a `BUSY`
   * `SqlError` (a serialization failure or deadlock on PostgreSQL, a lock wait that ran out on
   * SQLite), after a short random pause. The callback must then be safe to run again: nothing
   * outside the transaction. Give it to the outermost transaction: a retried savepoint cannot
   * undo what made the whole transaction fail. @default 0
   */
  readonly retries?: number;
}

/** Runs `fn` in a transaction: commits on `Ok`, rolls back on `Err` or a throw; nested calls use savepoints. */
export type TransactionRunner = <T, E = never>(
  fn: (tx: SqlTransaction) => TransactionBody<T, E>,
  options?: TransactionOptions,
) => ResultAsync<T, E | SqlError>;

export interface SqlTransaction extends SqlTransactionOperations {
  /** 1 for a top-level transaction, 2 for a savepoint inside it, … */
  readonly depth: number;
  readonly transaction: TransactionRunner;
}

/**
 * A database as callers get it: the contract operations guarded by core, the
 * `transaction(fn)` helper, and lifecycle.
 *
 * @example
 * const moved = await keel.sql.transaction(async (tx) => {
 *   await tx.execute('UPDATE accounts SET balance = balance - ? WHERE id = ?', [10, 1]);
 *   return tx.execute('UPDATE accounts SET balance = balance + ? WHERE id = ?', [10, 2]);
 * });
 */
export interface Sql extends SqlOperations, AdapterLifecycle<SqlError> {
  readonly capabilities: SqlCapabilities;
  readonly transaction: TransactionRunner;
  /**
   * The same operations answered at once, as `Result` instead of `ResultAsync`; present exactly
   * when `capabilities.synchronous`. For callers that cannot await, such as a WebAssembly
   * guest's imports served in-thread.
   */
  readonly sync?: SqlSync;
  /** Opens a sandbox for untrusted SQL (see `SqlSandbox`); present exactly when `capabilities.sandbox`. */
  readonly sandbox?: SqlSandboxFactory;
  /** Wakes listeners in other processes on the same database; present exactly when `capabilities.notifications`. */
  readonly notifications?: SqlNotifications;
}

/**
 * The synchronous face of a transaction (`sql.sync.begin()`): the methods of WIT resource
 * `sql.transaction`, guarded and ordered exactly as on `SqlTransaction`, returning `Result`.
 */
export interface SqlTransactionSync {
  readonly depth: number;
  query(statement: string, params?: SqlParams): Result<SqlQueryResult, SqlError>;
  execute(statement: string, params?: SqlParams): Result<SqlExecuteResult, SqlError>;
  executeScript(script: string): Result<void, SqlError>;
  begin(): Result<SqlTransactionSync, SqlError>;
  commit(): Result<void, SqlError>;
  rollback(): Result<void, SqlError>;
}

/**
 * The synchronous face of a database (`sql.sync`). A call that would have to wait (the
 * connection is held by an asynchronous caller's open transaction) is a `BUSY` Err, not a wait.
 *
 * @example
 * const row = sql.sync?.query('SELECT count(*) AS n FROM tasks'); // Result<SqlQueryResult, SqlError>
 */
export interface SqlSync {
  query(statement: string, params?: SqlParams): Result<SqlQueryResult, SqlError>;
  execute(statement: string, params?: SqlParams): Result<SqlExecuteResult, SqlError>;
  executeScript(script: string): Result<void, SqlError>;
  begin(): Result<SqlTransactionSync, SqlError>;
}
