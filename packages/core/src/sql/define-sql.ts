import { adapterLifecycle } from '../lifecycle/adapter-lifecycle.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Sql, SqlSync, SqlTransaction, SqlTransactionSync } from './sql-contract.js';
import type { SqlDriver } from './sql-driver.js';
import { sqlGuardErrors } from './sql-guard-errors.js';
import { notificationsFacet } from './sql-notifications.js';
import { sandboxFacet } from './sql-sandbox.js';
import { asyncSqlRunner, syncSqlRunner, type SqlRunner } from './sql-runner.js';
import { statementGuard } from './sql-statement-guard.js';
import { guardTransaction, type TransactionFace } from './sql-transaction.js';
import { transactionRunner } from './sql-transaction-runner.js';

/**
 * Wraps a sql driver in core's guard and returns the `Sql` callers use: parameter values are
 * validated (a bad value is an `INVALID_PARAMETER` Err), transactions are used in order, the
 * lifecycle is enforced and anything the driver throws becomes an `Err`. A driver that declares
 * the `synchronous` capability also gets `sql.sync`, the same operations returning `Result`.
 *
 * @example
 * export function createMySql(options: MySqlOptions): Sql {
 *   return defineSql({ adapter: 'my', capabilities, query, execute, executeScript, begin });
 * }
 */
export function defineSql(driver: SqlDriver): Sql {
  const adapter = driver.adapter;
  const capabilities = Object.freeze({ ...driver.capabilities });
  if (capabilities.synchronous && capabilities.transactions && typeof driver.busy !== 'function') {
    // Without it, sql.sync would run statements inside another caller's open transaction.
    throw new TypeError(`defineSql: sql adapter '${adapter}' declares synchronous and transactions but has no busy()`);
  }
  if (capabilities.sandbox && typeof driver.sandbox !== 'function')
    throw new TypeError(`defineSql: sql adapter '${adapter}' declares sandbox but has no sandbox()`);
  if (capabilities.notifications && typeof driver.notifications?.listen !== 'function')
    throw new TypeError(`defineSql: sql adapter '${adapter}' declares notifications but has no notifications.listen()`);
  const lifecycle = new Lifecycle(
    () => driver.open?.(),
    () => driver.close?.(),
  );
  const errors = sqlGuardErrors(adapter);

  // The face is a fresh object per transaction: adding `transaction(fn)` to it saves a copy.
  const presentAsync = (face: TransactionFace): SqlTransaction => {
    const tx = face as unknown as { -readonly [K in keyof SqlTransaction]: SqlTransaction[K] };
    tx.transaction = transactionRunner(adapter, () => tx.begin());
    return Object.freeze(tx);
  };
  const asyncRunner = asyncSqlRunner(lifecycle, errors);
  const asyncSurface = surface(driver, asyncRunner, asyncRunner, presentAsync);

  // The lifecycle refuses new calls first; then the driver may end what would block the drain.
  let signalled = false;
  const close = () => {
    const closed = lifecycle.close();
    if (!signalled) {
      signalled = true;
      try {
        driver.closing?.();
      } catch {
        // Closing goes on; the driver's close() is where a failure to release shows.
      }
    }
    return closed;
  };

  const sql: Sql = {
    adapter,
    capabilities,
    ...(asyncSurface as Pick<Sql, 'query' | 'execute' | 'executeScript' | 'begin'>),
    transaction: transactionRunner(adapter, asyncSurface.begin as Sql['begin']),
    ...(capabilities.synchronous
      ? {
          sync: Object.freeze(
            surface(
              driver,
              syncSqlRunner(lifecycle, errors, driver.busy?.bind(driver)),
              // Inside its own transaction the caller holds the connection: nothing to be busy with.
              syncSqlRunner(lifecycle, errors),
              (face) => Object.freeze(face) as unknown as SqlTransactionSync,
            ),
          ) as unknown as SqlSync,
        }
      : {}),
    ...(capabilities.sandbox && driver.sandbox
      ? { sandbox: sandboxFacet(adapter, lifecycle, driver.sandbox.bind(driver)) }
      : {}),
    ...(capabilities.notifications && driver.notifications
      ? {
          notifications: notificationsFacet(
            adapter,
            lifecycle,
            errors,
            driver.notifications,
            asyncSurface as Pick<Sql, 'query'>,
          ),
        }
      : {}),

    ...adapterLifecycle(adapter, lifecycle, errors, () =>
      driver.health ? driver.health() : Promise.resolve(driver.query('SELECT 1', undefined)).then(() => undefined),
    ),
    close,
    [Symbol.asyncDispose]: close,
  };
  return Object.freeze(sql);
}

/**
 * The database-level operations on one surface: `runner` for calls on the database,
 * `inTransaction` for calls inside a transaction, which `present` finishes for the surface.
 */
function surface<T>(
  driver: SqlDriver,
  runner: SqlRunner,
  inTransaction: SqlRunner,
  present: (face: TransactionFace) => T,
) {
  const guard = statementGuard(driver.adapter, runner);
  const txGuard = runner === inTransaction ? guard : statementGuard(driver.adapter, inTransaction);
  return {
    query: (statement: string, params?: Parameters<SqlDriver['query']>[1]) =>
      guard.statement('query', statement, params, () => driver.query(statement, params)),
    execute: (statement: string, params?: Parameters<SqlDriver['execute']>[1]) =>
      guard.statement('execute', statement, params, () => driver.execute(statement, params)),
    executeScript: (script: string) =>
      guard.statement('executeScript', script, undefined, () => driver.executeScript(script)),
    begin: () => {
      // The transaction's span, when observed: begin, the statements and the end are its children.
      const watch = runner.watch('transaction');
      return runner.then(
        runner.run('begin', () => driver.begin(), undefined, watch?.context),
        (begun) => {
          if (begun.isErr()) watch?.end(begun.error);
          return begun.map((tx) => guardTransaction(txGuard, present, tx, 1, undefined, undefined, watch));
        },
      );
    },
  };
}
