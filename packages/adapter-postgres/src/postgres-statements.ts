import type { SqlExecuteResult, SqlParams, SqlQueryResult, SqlValue } from '@keel/core';
import type { QueryArrayResult } from 'pg';
import { sqlError, toPostgresError } from './postgres-errors.js';
import { rewritePlaceholders, type RewrittenStatement } from './postgres-placeholders.js';
import { bindParameters, getTypeParser, oid } from './postgres-values.js';

/** A pool or one of its connections: both run a query config. */
export interface Queryable {
  query(config: object): Promise<unknown>;
}

/**
 * Rewritten statements, least recently used dropped first. A hit only stamps the entry (moving
 * it in the map costs more than the lookup); the oldest stamp is found when a new statement
 * needs room. The statement run last is checked before the map.
 */
export class StatementCache {
  private readonly entries = new Map<string, RewrittenStatement & { used: number }>();
  private lastText: string | undefined;
  private last: RewrittenStatement | undefined;
  private clock = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(text: string): RewrittenStatement {
    if (text === this.lastText) return this.last as RewrittenStatement;
    let entry = this.entries.get(text);
    if (!entry) {
      entry = { ...rewritePlaceholders(text), used: 0 };
      if (this.capacity === 0) return entry;
      if (this.entries.size >= this.capacity) this.evictOldest();
      this.entries.set(text, entry);
    }
    entry.used = ++this.clock;
    this.lastText = text;
    this.last = entry;
    return entry;
  }

  private evictOldest(): void {
    let oldest: string | undefined;
    let stamp = Infinity;
    for (const [text, entry] of this.entries) {
      if (entry.used < stamp) [oldest, stamp] = [text, entry.used];
    }
    this.entries.delete(oldest as string);
    if (oldest === this.lastText) this.lastText = this.last = undefined;
  }
}

/** Result parsers for a statement without parameters (pg reads them from `types`). */
const plainTypes = { getTypeParser };

/** Runs one statement (extended protocol: exactly one statement, parameters apart from the text). */
async function run(on: Queryable, cache: StatementCache, text: string, params: SqlParams | undefined, op: string) {
  const statement = cache.get(text);
  if (transactionKeywords.has(statement.keyword))
    throw sqlError('TRANSACTION', 'transaction statements are not run directly; use begin() or transaction(fn)', op);
  const bound = bindParameters(statement, params, op);
  try {
    return (await on.query({
      text: statement.text,
      values: bound?.values ?? [],
      types: bound?.types ?? plainTypes,
      rowMode: 'array',
      queryMode: 'extended',
    })) as QueryArrayResult<SqlValue[]>;
  } catch (thrown) {
    throw toPostgresError(thrown, op);
  }
}

export async function runQuery(
  on: Queryable,
  cache: StatementCache,
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
  cache: StatementCache,
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
