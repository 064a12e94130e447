import type { HealthDetail } from '../lifecycle/health.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import type { SqlCapabilities } from './sql-capabilities.js';
import type { SqlExecuteResult, SqlParams, SqlQueryResult } from './sql-contract.js';
import type { SqlNotificationsDriver } from './sql-notifications.js';
import type { SqlSandbox, SqlSandboxOptions } from './sql-sandbox.js';

/** The statements a driver runs, on the database or inside a transaction. */
export interface SqlStatementDriver {
  query(statement: string, params: SqlParams | undefined): MaybePromise<SqlQueryResult>;
  execute(statement: string, params: SqlParams | undefined): MaybePromise<SqlExecuteResult>;
  executeScript(script: string): MaybePromise<void>;
}

/** One open transaction or savepoint in a driver. Core calls `commit`/`rollback` at most once. */
export interface SqlTransactionDriver extends SqlStatementDriver {
  begin(): MaybePromise<SqlTransactionDriver>;
  commit(): MaybePromise<void>;
  rollback(): MaybePromise<void>;
}

/**
 * What a sql adapter implements. Core validates parameter values, enforces the lifecycle and
 * the order of transaction calls (nothing after commit, no parent work while a savepoint is
 * open), and turns throws into `Err`. A driver throws a `SqlError` with the right code for
 * engine failures; anything else becomes `INTERNAL`. A driver declaring the `synchronous`
 * capability answers every call without a promise (except while `busy()`) and gets `sql.sync`.
 */
export interface SqlDriver extends SqlStatementDriver {
  readonly adapter: string;
  readonly capabilities: SqlCapabilities;
  open?(): MaybePromise<void>;
  /**
   * Called once when `close()` starts, before core waits for the calls in flight. A transaction
   * still open then can never commit (its calls are `NOT_OPEN` from now on), so a driver that
   * queues work behind transactions rolls them back here and lets the queued work finish.
   */
  closing?(): void;
  close?(): MaybePromise<void>;
  /** Does a cheap real query; throws when unhealthy. */
  health?(): MaybePromise<HealthDetail>;
  begin(): MaybePromise<SqlTransactionDriver>;
  /**
   * For a driver that declares `synchronous`: `true` while a call on the database would have to
   * wait (asynchronous work holds the connection). `sql.sync` then answers `BUSY` without
   * calling the driver. Calls inside a transaction never ask: the transaction holds the connection.
   */
  busy?(): boolean;
  /** For a driver that declares `sandbox`: opens one (options already checked by core). */
  sandbox?(options: SqlSandboxOptions): MaybePromise<SqlSandbox>;
  /** For a driver that declares `notifications`: how to listen and notify (names already checked by core). */
  readonly notifications?: SqlNotificationsDriver;
}
