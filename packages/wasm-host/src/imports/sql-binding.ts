import type { SqlError, SqlQueryResult, SqlSandboxError } from '@keel/core';
import {
  executeResultToWit,
  queryResultToWit,
  sqlErrorToWit,
  sqlParamsFromWit,
  type WitSqlParams,
} from '../convert/sql-convert.js';
import type { SqlServing } from '../host/sql-serving.js';
import { HostAbort } from '../sandbox/wasi.js';
import type { Binding, BindingContext, ResourceRef, ResourceTable } from './binding.js';
import { statementProblem, type SqlAccess } from './sql-statement-guard.js';
import { settle, type Outcome, type SqlTransactionCalls } from './adapter-calls.js';

/** How a component may use sql. */
export interface SqlGrant {
  /** `read-only`: one SELECT, WITH or VALUES statement per `query`; `execute` and scripts are refused. */
  readonly access: SqlAccess;
  /**
   * Statements the host registered, by name: the guest sends a name where the statement text
   * goes, and nothing else runs. Scripts are refused.
   */
  readonly statements?: Readonly<Record<string, string>>;
}

type AnySqlError = SqlError | SqlSandboxError;

/** A transaction a guest holds, with whether it has ended (so that cleanup does not end it twice). */
export interface HeldTransaction {
  readonly tx: SqlTransactionCalls<AnySqlError>;
  ended: boolean;
}

/**
 * `keel:infrastructure/sql` for a guest. Each statement is checked against the grant first: a
 * registered name under a named-statements grant, else the text by `statementProblem`; a refusal
 * reaches the guest as `access-denied`. It then runs where `serving` says: a sql sandbox (its own
 * connection, deadline and result budget) or, for named statements only, the adapter itself.
 * A sandbox's `TIMEOUT` ends the guest's call with `TIMEOUT`, its `TOO_LARGE` with
 * `MEMORY_LIMIT` (the result would not fit the guest's memory cap). Transactions are resources
 * in `transactions`; one still open when the call that began it ends is rolled back by the host.
 */
export function sqlBinding(
  serving: SqlServing,
  grant: SqlGrant,
  ctx: BindingContext,
  transactions: ResourceTable<HeldTransaction>,
): Binding {
  const { calls, maxResultBytes } = serving;
  const fail =
    (fn: string) =>
    (error: AnySqlError): never => {
      if (error.code === 'TIMEOUT') throw new HostAbort('TIMEOUT', `sql.${fn}: ${error.message}`);
      if (error.code === 'TOO_LARGE') throw new HostAbort('MEMORY_LIMIT', `sql.${fn}: ${error.message}`);
      // The engine's refusals are logged and counted like the guard's.
      if (error.code === 'ACCESS_DENIED') throw ctx.denied('sql', fn, error.message);
      throw sqlErrorToWit(error);
    };
  // What to send for the guest's statement: a registered statement (its name to a sandbox, which
  // prepared it; its text to the adapter), or the guest's own text once the guard allows it.
  const statement = (fn: string, text: string, script = false): string => {
    const { statements } = grant;
    if (statements) {
      if (script) throw ctx.denied('sql', fn, 'a named-statements grant runs no scripts');
      if (!Object.hasOwn(statements, text)) throw ctx.denied('sql', fn, 'not a registered statement name');
      return serving.sandbox ? text : (statements[text] as string);
    }
    const problem = statementProblem(text, grant.access, script);
    if (problem) throw ctx.denied('sql', fn, problem);
    return text;
  };
  const writeRefused = (fn: string) => {
    if (grant.access === 'read-only') throw ctx.denied('sql', fn, 'the sql grant is read-only');
  };
  // The guest waits on these; one still running when its call ends is interrupted (see wasm-host).
  const awaited = <T, R>(fn: string, outcome: Outcome<T, AnySqlError>, ok: (value: T) => R) => {
    serving.waiting++;
    const done = () => {
      serving.waiting--;
    };
    try {
      const settled = settle(outcome, ok, fail(fn));
      if (settled instanceof Promise) return settled.finally(done);
      done();
      return settled;
    } catch (thrown) {
      done();
      throw thrown;
    }
  };
  // A sandbox counted the rows as it read them; the adapter's rows are counted here, after.
  const rows = (fn: string) => (result: SqlQueryResult) => {
    if (!serving.sandbox && resultBytes(result) > maxResultBytes) {
      throw new HostAbort('MEMORY_LIMIT', `sql.${fn}: the result passed ${maxResultBytes} bytes`);
    }
    return queryResultToWit(result);
  };
  const held = (id: number, fn: string): HeldTransaction => {
    const h = transactions.get(id);
    if (!h) throw { tag: 'transaction', val: `${fn}: the transaction is no longer available` };
    return h;
  };
  const adopt = (tx: SqlTransactionCalls<AnySqlError>): ResourceRef => transactions.add({ tx, ended: false });
  const end = (h: HeldTransaction, fn: string, outcome: Outcome<void, AnySqlError>) =>
    awaited(fn, outcome, () => {
      h.ended = true;
    });
  // Without a sandbox, a transaction is the adapter's: SQLite's takes the write lock at once.
  const beginRefused = (fn: string) => {
    if (!serving.sandbox && grant.access === 'read-only')
      throw ctx.denied('sql', fn, 'a read-only grant without a sql sandbox cannot hold a transaction');
  };

  return {
    query: (text: string, params: WitSqlParams) => {
      const s = statement('query', text);
      return awaited('query', calls.query(s, sqlParamsFromWit(params)), rows('query'));
    },
    execute: (text: string, params: WitSqlParams) => {
      writeRefused('execute');
      const s = statement('execute', text);
      return awaited('execute', calls.execute(s, sqlParamsFromWit(params)), executeResultToWit);
    },
    executeScript: (script: string) => {
      writeRefused('executeScript');
      const s = statement('executeScript', script, true);
      return awaited('executeScript', calls.executeScript(s), () => undefined);
    },
    begin: () => {
      beginRefused('begin');
      return awaited('begin', calls.begin(), adopt);
    },
    'Transaction.query': (id: number, text: string, params: WitSqlParams) => {
      const s = statement('transaction.query', text);
      return awaited('query', held(id, 'query').tx.query(s, sqlParamsFromWit(params)), rows('transaction.query'));
    },
    'Transaction.execute': (id: number, text: string, params: WitSqlParams) => {
      writeRefused('transaction.execute');
      const s = statement('transaction.execute', text);
      return awaited('execute', held(id, 'execute').tx.execute(s, sqlParamsFromWit(params)), executeResultToWit);
    },
    'Transaction.executeScript': (id: number, script: string) => {
      writeRefused('transaction.executeScript');
      const s = statement('transaction.executeScript', script, true);
      return awaited('executeScript', held(id, 'executeScript').tx.executeScript(s), () => undefined);
    },
    'Transaction.begin': (id: number) => awaited('begin', held(id, 'begin').tx.begin(), adopt),
    'Transaction.commit': (id: number) => {
      const h = held(id, 'commit');
      return end(h, 'commit', h.tx.commit());
    },
    'Transaction.rollback': (id: number) => {
      const h = held(id, 'rollback');
      return end(h, 'rollback', h.tx.rollback());
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

/** A result's weight as a sandbox counts it: UTF-8 text, blob bytes, 8 per number, 16 per value, 8 per row. */
function resultBytes(result: SqlQueryResult): number {
  let bytes = 0;
  for (const c of result.columns) bytes += 8 + Buffer.byteLength(c);
  for (const row of result.rows) {
    bytes += 8 + 16 * row.length;
    for (const v of row) {
      bytes += typeof v === 'string' ? Buffer.byteLength(v) : v instanceof Uint8Array ? v.byteLength : 8;
    }
  }
  return bytes;
}
