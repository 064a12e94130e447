import { ResultAsync, type Result } from '@keel/core';
import type { Sql, SqlTransaction, SqlTransactionSync } from '@keel/core';
import { transactionRunner } from '@keel/core/adapter';

const lift = <T, E>(result: Result<T, E>) => new ResultAsync(Promise.resolve(result));

/**
 * The `Sql` a test sees when every call goes through `sql.sync`: each `Result` lifted into a
 * `ResultAsync`, transactions included, with `transaction(fn)` rebuilt over the synchronous
 * `begin`. Lifecycle members stay the database's own.
 */
export function sqlThroughSync(sql: Sql): Sql {
  const sync = sql.sync;
  if (!sync) throw new Error(`sql adapter '${sql.adapter}' declares 'synchronous' but has no sql.sync`);
  const begin = () => lift(sync.begin().map(liftTransaction));
  return Object.freeze({
    adapter: sql.adapter,
    capabilities: sql.capabilities,
    sync,
    query: (statement, params) => lift(sync.query(statement, params)),
    execute: (statement, params) => lift(sync.execute(statement, params)),
    executeScript: (script) => lift(sync.executeScript(script)),
    begin,
    transaction: transactionRunner(sql.adapter, begin),
    open: () => sql.open(),
    close: () => sql.close(),
    health: () => sql.health(),
    [Symbol.asyncDispose]: () => sql[Symbol.asyncDispose](),
  } satisfies Sql);

  function liftTransaction(tx: SqlTransactionSync): SqlTransaction {
    const lifted: SqlTransaction = {
      depth: tx.depth,
      query: (statement, params) => lift(tx.query(statement, params)),
      execute: (statement, params) => lift(tx.execute(statement, params)),
      executeScript: (script) => lift(tx.executeScript(script)),
      begin: () => lift(tx.begin().map(liftTransaction)),
      commit: () => lift(tx.commit()),
      rollback: () => lift(tx.rollback()),
      transaction: transactionRunner(sql.adapter, () => lifted.begin()),
    };
    return Object.freeze(lifted);
  }
}
