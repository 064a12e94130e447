import type { SqlExecuteResult, SqlParams, SqlQueryResult, SqlValue } from '@keel/core';
import { StatementCache } from '@keel/core/adapter';
import type { QueryArrayResult } from 'pg';
import { sqlError, toPostgresError } from './postgres-errors.js';
import { rewritePlaceholders, type RewrittenStatement } from './postgres-placeholders.js';
import { bindParameters, oid, untyped } from './postgres-values.js';

/** A pool or one of its connections: both run a query config. */
export interface Queryable {
  query(config: object): Promise<unknown>;
}

/** Rewritten statements by text (see core's `StatementCache`); `capacity` 0 rewrites every time. */
export type PostgresStatements = StatementCache<RewrittenStatement>;

export function postgresStatements(capacity: number): PostgresStatements {
  return new StatementCache(capacity, rewritePlaceholders);
}

/** Runs one statement (extended protocol: exactly one statement, parameters apart from the text). */
async function run(on: Queryable, cache: PostgresStatements, text: string, params: SqlParams | undefined, op: string) {
  const statement = cache.get(text);
  if (transactionKeywords.has(statement.keyword))
    throw sqlError('TRANSACTION', 'transaction statements are not run directly; use begin() or transaction(fn)', op);
  const bound = bindParameters(statement, params, op);
  try {
    return (await on.query({
      text: statement.text,
      values: bound?.values ?? [],
      types: bound?.types ?? untyped,
      rowMode: 'array',
      queryMode: 'extended',
    })) as QueryArrayResult<SqlValue[]>;
  } catch (thrown) {
    throw toPostgresError(thrown, op);
  }
}

export async function runQuery(
  on: Queryable,
  cache: PostgresStatements,
  text: string,
  params: SqlParams | undefined,
): Promise<SqlQueryResult> {
  const result = await run(on, cache, text, params, 'query');
  const fields = result.fields;
  const columns = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i++) columns[i] = (fields[i] as { name: string }).name;
  return { columns, rows: result.rows };
}

/**
 * Runs a statement for its effect. PostgreSQL has no rowid: `lastInsertId` is the value of the
 * one integer column an `INSERT … RETURNING` returns (of its last row), else `undefined`.
 */
export async function runExecute(
  on: Queryable,
  cache: PostgresStatements,
  text: string,
  params: SqlParams | undefined,
): Promise<SqlExecuteResult> {
  const result = await run(on, cache, text, params, 'execute');
  const rowsAffected = result.rowCount ?? 0;
  let lastInsertId: number | bigint | undefined;
  if (
    result.command === 'INSERT' &&
    result.fields.length === 1 &&
    integerTypes.has(result.fields[0]?.dataTypeID as number)
  ) {
    const value = result.rows.at(-1)?.[0];
    if (typeof value === 'number' || typeof value === 'bigint') lastInsertId = value;
  }
  return { rowsAffected, lastInsertId };
}

const integerTypes = new Set<number>([oid.int2, oid.int4, oid.int8]);
const transactionKeywords = new Set(['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE']);
