import type { SqlExecuteResult, SqlParams, SqlQueryResult, SqlValue } from '@keel/core';
import { StatementCache } from '@keel/core/adapter';
import type Database from 'better-sqlite3';
import { sqlError } from './sqlite-errors.js';

/** A prepared statement and what Keel needs to know about it, worked out once. */
export interface Prepared {
  readonly statement: Database.Statement<unknown[], unknown[]>;
  /** Returns rows (`SELECT`, `PRAGMA`, `… RETURNING`). */
  readonly reader: boolean;
  /** An `INSERT`/`REPLACE`: its last insert rowid is reported. */
  readonly inserts: boolean;
  /** `CREATE`/`ALTER`/`DROP`/…: cached statements and column lists may be stale after it. */
  readonly changesSchema: boolean;
  /** `BEGIN`/`COMMIT`/`SAVEPOINT`/…: refused, the queue owns transactions. */
  readonly transactionControl: boolean;
  /** Uses `?NNN`, which better-sqlite3 binds from an object keyed by the number. */
  readonly numbered: boolean;
  columns: readonly string[] | undefined;
}

/** The connection's prepared statements, by text (see core's `StatementCache`). */
export type SqliteStatements = StatementCache<Prepared>;

/** A statement cache for one connection; `capacity` 0 prepares every time. */
export function sqliteStatements(db: Database.Database, capacity: number): SqliteStatements {
  return new StatementCache(capacity, (text) => prepare(db, text));
}

/** Runs a statement and returns its rows as arrays, integers read back exactly. */
export function runQuery(cache: SqliteStatements, text: string, params: SqlParams | undefined): SqlQueryResult {
  const p = cache.get(text);
  if (p.transactionControl) throw transactionControl('query');
  if (!p.reader) {
    run(cache, p, params);
    return { columns: [], rows: [] };
  }
  const rows = all(p, params);
  for (let r = 0; r < rows.length; r++) readIntegers(rows[r] as SqlValue[]);
  let columns = p.columns;
  // A `SELECT *` grows when another connection alters the table; the row length shows it.
  if (columns === undefined || (rows.length > 0 && (rows[0] as SqlValue[]).length !== columns.length)) {
    columns = p.columns = Object.freeze(p.statement.columns().map((c) => c.name));
  }
  return { columns, rows };
}

/** Runs a statement for its effect. */
export function runExecute(cache: SqliteStatements, text: string, params: SqlParams | undefined): SqlExecuteResult {
  const p = cache.get(text);
  if (p.transactionControl) throw transactionControl('execute');
  const info = run(cache, p, params);
  return {
    rowsAffected: info.changes,
    lastInsertId: p.inserts && info.changes > 0 ? readInteger(info.lastInsertRowid as bigint) : undefined,
  };
}

export function runScript(cache: SqliteStatements, db: Database.Database, script: string): void {
  try {
    db.exec(script);
  } finally {
    // Scripts are mostly schema: forget every prepared statement rather than guess.
    cache.clear();
  }
}

/** Few positional values are spread into the call: better-sqlite3 unpacks an array argument more slowly. */
const spreadUpTo = 16;

function all(p: Prepared, params: SqlParams | undefined): SqlValue[][] {
  if (params === undefined) return p.statement.all() as SqlValue[][];
  if (Array.isArray(params) && params.length <= spreadUpTo && !p.numbered)
    return p.statement.all(...params) as SqlValue[][];
  return p.statement.all(bindable(p, params)) as SqlValue[][];
}

function run(cache: SqliteStatements, p: Prepared, params: SqlParams | undefined): Database.RunResult {
  let info: Database.RunResult;
  if (params === undefined) info = p.statement.run();
  else if (Array.isArray(params) && params.length <= spreadUpTo && !p.numbered) info = p.statement.run(...params);
  else info = p.statement.run(bindable(p, params));
  if (p.changesSchema) cache.clear();
  return info;
}

/** `?NNN` parameters are named `NNN` to better-sqlite3, so positional values become `{ 1: …, 2: … }`. */
function bindable(p: Prepared, params: SqlParams): unknown {
  if (!p.numbered || !Array.isArray(params)) return params;
  const named: Record<string, SqlValue> = {};
  for (let i = 0; i < params.length; i++) named[i + 1] = params[i] as SqlValue;
  return named;
}

/**
 * SQLite integers arrive as bigint (safe integers mode); those a number holds exactly become
 * numbers. A bigint of magnitude 2^53 or more never converts to a safe integer, so the check
 * on the converted number is exact (and cheaper than comparing bigints).
 */
export function readInteger(value: bigint): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

function readIntegers(row: SqlValue[]): void {
  for (let i = 0; i < row.length; i++) {
    const value = row[i];
    if (typeof value === 'bigint') {
      const n = Number(value);
      if (Number.isSafeInteger(n)) row[i] = n;
    }
  }
}

function transactionControl(op: string) {
  return sqlError('TRANSACTION', 'transaction statements are not run directly; use begin() or transaction(fn)', op);
}

const schemaKeywords = new Set(['CREATE', 'ALTER', 'DROP', 'ATTACH', 'DETACH']);
const transactionKeywords = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);

function prepare(db: Database.Database, text: string): Prepared {
  const statement = db.prepare<unknown[], unknown[]>(text);
  const reader = statement.reader;
  if (reader) statement.raw(true);
  const keyword = firstKeyword(text);
  return {
    statement,
    reader,
    inserts:
      keyword === 'INSERT' || keyword === 'REPLACE' || (keyword === 'WITH' && /\b(INSERT|REPLACE)\b/i.test(text)),
    changesSchema: schemaKeywords.has(keyword),
    transactionControl: transactionKeywords.has(keyword),
    numbered: /\?\d/.test(text.replace(/'(?:[^']|'')*'/g, '')),
    columns: undefined,
  };
}

/** The statement's first word, upper-cased, after any leading comments. */
function firstKeyword(text: string): string {
  const match = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(text);
  return match?.[1]?.toUpperCase() ?? '';
}
