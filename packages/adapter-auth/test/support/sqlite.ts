// A temporary SQLite file behind Keel's sql contract for the tests. Uses `createSqliteSql` from
// @keel/adapter-sqlite when that package exports it (issue 3); until then a minimal driver over
// the better-sqlite3 that package installs, through core's own `defineSql` guard.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlError, defineSql, type Sql, type SqlConstraintKind, type SqlParams, type SqlTransactionDriver, type SqlValue } from '@keel/core';

interface Statement {
  reader: boolean;
  safeIntegers(on: boolean): Statement;
  raw(on: boolean): Statement;
  columns(): { name: string }[];
  all(...params: unknown[]): unknown[][];
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}
interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string): unknown;
  close(): void;
}

export interface TestSql {
  readonly sql: Sql;
  readonly file: string;
  /** Closes the database and deletes its folder. */
  dispose(): Promise<void>;
}

export async function createTestSql(): Promise<TestSql> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-auth-'));
  const file = join(dir, 'auth.db');
  const mod = (await import('@keel/adapter-sqlite')) as Record<string, unknown>;
  const sql =
    typeof mod.createSqliteSql === 'function' ? (mod.createSqliteSql as (o: { filename: string }) => Sql)({ filename: file }) : fallbackSqlite(file);
  return {
    sql,
    file,
    async dispose() {
      await sql.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function fallbackSqlite(file: string): Sql {
  const require = createRequire(join(import.meta.dirname, '../../../adapter-sqlite/package.json'));
  const Database = require('better-sqlite3') as new (file: string) => Database;
  let db: Database | undefined;
  // One connection: statements on the database wait while a transaction is open.
  let busy: Promise<void> = Promise.resolve();
  let depth = 0;

  const run = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw toSqlError(error);
    }
  };
  const statements = {
    query: (statement: string, params: SqlParams | undefined) =>
      run(() => {
        const stmt = (db as Database).prepare(statement);
        if (!stmt.reader) {
          stmt.run(...bind(params));
          return { columns: [], rows: [] };
        }
        stmt.safeIntegers(true).raw(true);
        return { columns: stmt.columns().map((c) => c.name), rows: stmt.all(...bind(params)).map((row) => row.map(fromSqlite)) };
      }),
    execute: (statement: string, params: SqlParams | undefined) =>
      run(() => {
        const r = (db as Database).prepare(statement).run(...bind(params));
        return { rowsAffected: r.changes, lastInsertId: r.changes > 0 ? r.lastInsertRowid : undefined };
      }),
    executeScript: (script: string) => run(() => (db as Database).exec(script)),
  };
  const whenIdle = <T>(fn: () => T): Promise<T> => busy.then(fn);

  function transaction(level: number, release: () => void): SqlTransactionDriver {
    const name = `sp${level}`;
    return {
      ...statements,
      begin() {
        run(() => (db as Database).exec(`SAVEPOINT ${name}_${++depth}`));
        const savepoint = `${name}_${depth}`;
        const nested = transaction(level + 1, () => {});
        return {
          ...nested,
          commit: () => run(() => (db as Database).exec(`RELEASE ${savepoint}`)),
          rollback: () => run(() => (db as Database).exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`)),
        };
      },
      commit() {
        try {
          run(() => (db as Database).exec('COMMIT'));
        } finally {
          release();
        }
      },
      rollback() {
        try {
          run(() => (db as Database).exec('ROLLBACK'));
        } finally {
          release();
        }
      },
    };
  }

  return defineSql({
    adapter: 'sqlite-test',
    capabilities: { transactions: true, savepoints: true, namedParameters: true, persistent: true },
    open() {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
    },
    close: () => db?.close(),
    query: (s, p) => whenIdle(() => statements.query(s, p)),
    execute: (s, p) => whenIdle(() => statements.execute(s, p)),
    executeScript: (s) => whenIdle(() => statements.executeScript(s)),
    async begin() {
      const previous = busy;
      let release!: () => void;
      busy = new Promise<void>((resolve) => (release = resolve));
      await previous;
      try {
        run(() => (db as Database).exec('BEGIN IMMEDIATE'));
      } catch (error) {
        release();
        throw error;
      }
      return transaction(1, release);
    },
  });
}

function bind(params: SqlParams | undefined): unknown[] {
  if (params === undefined) return [];
  const value = (v: SqlValue) => (v instanceof Uint8Array ? Buffer.from(v) : v);
  if (Array.isArray(params)) return params.map(value);
  return [Object.fromEntries(Object.entries(params).map(([k, v]) => [k.replace(/^[:@$]/, ''), value(v as SqlValue)]))];
}

function fromSqlite(v: unknown): SqlValue {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Buffer.isBuffer(v)) return new Uint8Array(v);
  return v as SqlValue;
}

const CONSTRAINTS: Record<string, SqlConstraintKind> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'primary-key',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign-key',
  SQLITE_CONSTRAINT_NOTNULL: 'not-null',
  SQLITE_CONSTRAINT_CHECK: 'check',
};

function toSqlError(error: unknown): SqlError {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new SqlError({ code: 'CONSTRAINT_VIOLATION', constraint: CONSTRAINTS[code] ?? 'other', message, cause: error });
  }
  if (code === 'SQLITE_BUSY') return new SqlError({ code: 'BUSY', message, cause: error });
  return new SqlError({ code: 'QUERY', message, cause: error });
}
