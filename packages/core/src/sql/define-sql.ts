import { adapterLifecycle } from '../lifecycle/adapter-lifecycle.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Sql } from './sql-contract.js';
import type { SqlDriver } from './sql-driver.js';
import { sqlGuardErrors } from './sql-guard-errors.js';
import { guardTransaction, statementGuard, transactionRunner, wrapBegun } from './sql-transaction.js';

/**
 * Wraps a sql driver in core's guard and returns the `Sql` callers use: parameter values are
 * validated (a bad value is an `INVALID_PARAMETER` Err), transactions are used in order, the
 * lifecycle is enforced and anything the driver throws becomes an `Err`.
 *
 * @example
 * export function createMySql(options: MySqlOptions): Sql {
 *   return defineSql({ adapter: 'my', capabilities, query, execute, executeScript, begin });
 * }
 */
export function defineSql(driver: SqlDriver): Sql {
  const adapter = driver.adapter;
  const lifecycle = new Lifecycle(
    () => driver.open?.(),
    () => driver.close?.(),
  );
  const errors = sqlGuardErrors(adapter);
  const guard = statementGuard(adapter, lifecycle);
  const begin = () => wrapBegun(guard.run('begin', () => driver.begin()), (tx) => guardTransaction(guard, tx, 1));

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
    capabilities: Object.freeze({ ...driver.capabilities }),
    query: (statement, params) => guard.statement('query', statement, params, () => driver.query(statement, params)),
    execute: (statement, params) => guard.statement('execute', statement, params, () => driver.execute(statement, params)),
    executeScript: (script) => guard.statement('executeScript', script, undefined, () => driver.executeScript(script)),
    begin,
    transaction: transactionRunner(adapter, begin),

    ...adapterLifecycle(adapter, lifecycle, errors, () =>
      driver.health ? driver.health() : Promise.resolve(driver.query('SELECT 1', undefined)).then(() => undefined),
    ),
    close,
    [Symbol.asyncDispose]: close,
  };
  return Object.freeze(sql);
}
