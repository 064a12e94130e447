import type { SqlExecuteResult, SqlParams, SqlQueryResult, SqlValue } from '@keel/core';
import { StatementCache } from '@keel/core/adapter';
import type { PendingQuery } from 'postgres';
import { isServerError, sqlError } from './postgres-errors.js';
import { rewritePlaceholders, type RewrittenStatement } from './postgres-placeholders.js';
import { bindParameters, oid, type Typed } from './postgres-values.js';

/** The pool, or a connection reserved from it: both run a statement. */
export interface Runner {
  // biome-ignore lint/suspicious/noExplicitAny: postgres.js' row type; Keel reads rows as arrays (`Rows`).
  unsafe(text: string, args?: any[], options?: SendOptions): PendingQuery<any[]>;
}

/** postgres.js' options for one statement sent as a string. */
export interface SendOptions {
  readonly prepare: boolean;
  readonly simple: boolean;
}

/** What a statement runs with: rewritten statements by text (see core's `StatementCache`), and how it is sent. */
export interface StatementContext {
  readonly cache: StatementCache<RewrittenStatement>;
  readonly typed: Typed;
  /** postgres.js' options for a statement: the extended protocol (one statement), prepared or not. */
  readonly sending: SendOptions;
}

/** `capacity` 0 rewrites every time. */
export function postgresStatements(capacity: number): StatementCache<RewrittenStatement> {
  return new StatementCache(capacity, rewritePlaceholders);
}

/** A postgres.js result read as arrays (`.values()`). */
export type Rows = SqlValue[][] & { readonly command: string; readonly count: number; readonly columns: Column[] };
interface Column {
  readonly name: string;
  readonly type: number;
}

/**
 * Sends one statement (the extended protocol: exactly one statement, parameters apart from the
 * text) and returns it running, so that a transaction can cancel it. Throws a `SqlError` for a
 * statement or params that cannot be sent.
 */
export function send(on: Runner, ctx: StatementContext, text: string, params: SqlParams | undefined, op: string) {
  const statement = ctx.cache.get(text);
  if (transactionKeywords.has(statement.keyword))
    throw sqlError('TRANSACTION', 'transaction statements are not run directly; use begin() or transaction(fn)', op);
  const args = bindParameters(statement, params, op, ctx.typed);
  return on.unsafe(statement.text, args, ctx.sending).values() as unknown as Promise<Rows> & {
    cancel(): Promise<void>;
  };
}

/** Column names by postgres.js' column list, which is the same object each time a prepared statement runs. */
const names = new WeakMap<readonly Column[], readonly string[]>();

export function toQueryResult(result: Rows): SqlQueryResult {
  const columns = result.columns;
  let columnNames = names.get(columns);
  if (columnNames === undefined) {
    columnNames = Object.freeze(columns.map((c) => c.name));
    names.set(columns, columnNames);
  }
  // A plain array, not postgres.js' Result (which carries its statement and connection state);
  // copied by hand: `slice()` on an Array subclass takes the slow, species-checking path.
  const rows: SqlValue[][] = new Array(result.length);
  for (let i = 0; i < rows.length; i++) rows[i] = result[i] as SqlValue[];
  return { columns: columnNames, rows };
}

/**
 * A statement's effect. PostgreSQL has no rowid: `lastInsertId` is the value of the one integer
 * column an `INSERT … RETURNING` returns (of its last row), else `undefined`.
 */
export function toExecuteResult(result: Rows): SqlExecuteResult {
  let lastInsertId: number | bigint | undefined;
  const columns = result.columns;
  if (result.command === 'INSERT' && columns?.length === 1 && integerTypes.has(columns[0]?.type as number)) {
    const value = result.at(-1)?.[0];
    if (typeof value === 'number' || typeof value === 'bigint') lastInsertId = value;
  }
  return { rowsAffected: result.count ?? 0, lastInsertId };
}

/**
 * Whether the connection is inside a transaction: a savepoint can only be made in one (`25P01`
 * outside; `25P02` in one a failed statement aborted).
 */
export async function inTransaction(on: Runner): Promise<boolean> {
  try {
    await on.unsafe('SAVEPOINT keel_probe; RELEASE SAVEPOINT keel_probe');
    return true;
  } catch (thrown) {
    if (isServerError(thrown) && thrown.code === '25P01') return false;
    if (isServerError(thrown) && thrown.code === '25P02') return true;
    throw thrown;
  }
}

const integerTypes = new Set<number>([oid.int2, oid.int4, oid.int8]);
const transactionKeywords = new Set(['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE']);
