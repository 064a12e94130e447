import type { SqlError } from '@keel/core';
import {
  executeResultToWit,
  queryResultToWit,
  sqlErrorToWit,
  sqlParamsFromWit,
  type WitSqlParams,
} from '../convert/sql-convert.js';
import type { Binding, BindingContext, ResourceRef, ResourceTable } from './binding.js';
import { statementProblem, type SqlAccess } from './sql-statement-guard.js';
import { settle, type SqlCalls, type SqlTransactionCalls } from './adapter-calls.js';

/** How a component may use sql. */
export interface SqlGrant {
  /** `read-only`: one SELECT, WITH or VALUES statement per `query`; `execute` and scripts are refused. */
  readonly access: SqlAccess;
}

/** A transaction a guest holds, with whether it has ended (so that cleanup does not end it twice). */
export interface HeldTransaction {
  readonly tx: SqlTransactionCalls;
  ended: boolean;
}

/**
 * `keel:infrastructure/sql` for a guest, served by a sql adapter. Statements are checked against
 * the grant first (see `statementProblem`); a refusal reaches the guest as `access-denied`.
 * Transactions are resources in `transactions`; one still open when the call that began it
 * ends is rolled back by the host (see `endOfCall`).
 */
export function sqlBinding(
  sql: SqlCalls,
  grant: SqlGrant,
  ctx: BindingContext,
  transactions: ResourceTable<HeldTransaction>,
): Binding {
  const fail = (error: SqlError): never => {
    throw sqlErrorToWit(error);
  };
  const check = (fn: string, statement: string, script = false) => {
    const problem = statementProblem(statement, grant.access, script);
    if (problem) throw ctx.denied('sql', fn, problem);
  };
  const writeRefused = (fn: string) => {
    if (grant.access === 'read-only') throw ctx.denied('sql', fn, 'the sql grant is read-only');
  };
  const held = (id: number, fn: string): HeldTransaction => {
    const h = transactions.get(id);
    if (!h) throw { tag: 'transaction', val: `${fn}: the transaction is no longer available` };
    return h;
  };
  const adopt = (tx: SqlTransactionCalls): ResourceRef => transactions.add({ tx, ended: false });
  const end = (h: HeldTransaction, outcome: ReturnType<SqlTransactionCalls['commit']>) =>
    settle(
      outcome,
      () => {
        h.ended = true;
      },
      fail,
    );

  return {
    query: (statement: string, params: WitSqlParams) => {
      check('query', statement);
      return settle(sql.query(statement, sqlParamsFromWit(params)), queryResultToWit, fail);
    },
    execute: (statement: string, params: WitSqlParams) => {
      writeRefused('execute');
      check('execute', statement);
      return settle(sql.execute(statement, sqlParamsFromWit(params)), executeResultToWit, fail);
    },
    executeScript: (script: string) => {
      writeRefused('executeScript');
      check('executeScript', script, true);
      return settle(sql.executeScript(script), () => undefined, fail);
    },
    begin: () => settle(sql.begin(), adopt, fail),
    'Transaction.query': (id: number, statement: string, params: WitSqlParams) => {
      check('transaction.query', statement);
      return settle(held(id, 'query').tx.query(statement, sqlParamsFromWit(params)), queryResultToWit, fail);
    },
    'Transaction.execute': (id: number, statement: string, params: WitSqlParams) => {
      writeRefused('transaction.execute');
      check('transaction.execute', statement);
      return settle(held(id, 'execute').tx.execute(statement, sqlParamsFromWit(params)), executeResultToWit, fail);
    },
    'Transaction.executeScript': (id: number, script: string) => {
      writeRefused('transaction.executeScript');
      check('transaction.executeScript', script, true);
      return settle(held(id, 'executeScript').tx.executeScript(script), () => undefined, fail);
    },
    'Transaction.begin': (id: number) => settle(held(id, 'begin').tx.begin(), adopt, fail),
    'Transaction.commit': (id: number) => {
      const h = held(id, 'commit');
      return end(h, h.tx.commit());
    },
    'Transaction.rollback': (id: number) => {
      const h = held(id, 'rollback');
      return end(h, h.tx.rollback());
    },
    // The guest dropped its handle: a transaction it did not end is rolled back.
    'Transaction.drop': (id: number) => {
      const h = transactions.remove(id);
      if (h && !h.ended) {
        h.ended = true;
        void Promise.resolve(h.tx.rollback()).catch(() => undefined);
      }
    },
  };
}

/**
 * Rolls back what a finished call left open, newest first (a savepoint before the transaction
 * that holds it). Synchronous when the adapter is.
 */
export function rollbackLeftovers(
  transactions: ResourceTable<HeldTransaction>,
  ctx: BindingContext,
): number | Promise<number> {
  if (transactions.size === 0) return 0;
  const open: HeldTransaction[] = [];
  transactions.drain((h) => {
    if (!h.ended) open.push(h);
  });
  if (open.length === 0) return 0;
  ctx.logger.warn?.(
    { component: ctx.componentId, hash: ctx.hash, transactions: open.length },
    'rolled back transactions the component left open at the end of its call',
  );
  open.reverse();
  for (let i = 0; i < open.length; i++) {
    const h = open[i] as HeldTransaction;
    h.ended = true;
    const outcome = h.tx.rollback();
    if (typeof (outcome as { then?: unknown }).then === 'function') {
      return (async () => {
        await outcome;
        for (const rest of open.slice(i + 1)) {
          rest.ended = true;
          await rest.tx.rollback();
        }
        return open.length;
      })();
    }
  }
  return open.length;
}
