import { KeelConfigError, SqlError, createKeel, instanceToken, tokens, type Sql } from '@keel/core';
import { KeelOptionsError } from '@keel/core/adapter';
import { expectErr, expectOk } from '@keel/testing';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSqliteSql, sqliteAdapter, type SqliteSqlOptions } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-sqlite-adapter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const opened: Sql[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sql) => sql.close()));
});
function open(options: Partial<SqliteSqlOptions> = {}): Sql {
  const sql = createSqliteSql({ filename: join(dir, `db-${counter++}.db`), ...options });
  opened.push(sql);
  return sql;
}

describe('createSqliteSql options', () => {
  it('refuses bad options naming the field', () => {
    expect(() => createSqliteSql(undefined as unknown as SqliteSqlOptions)).toThrow(/filename: is required/);
    expect(() => createSqliteSql({ filename: '' })).toThrow(KeelOptionsError);
    expect(() => createSqliteSql({ filename: '' })).toThrow(/filename: expected a file path \(or ':memory:'/);
    expect(() => createSqliteSql({ filename: 'x.db', synchronous: 'sometimes' as never })).toThrow(
      /synchronous: expected one of 'off', 'normal', 'full', 'extra'/,
    );
    expect(() => createSqliteSql({ filename: 'x.db', busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
    expect(() => createSqliteSql({ filename: 'x.db', busyTimeoutMs: 2 ** 31 })).toThrow(/busyTimeoutMs/);
    expect(() => createSqliteSql({ filename: 'x.db', transactionTimeoutMs: 0 })).toThrow(/transactionTimeoutMs/);
    expect(() => createSqliteSql({ filename: 'x.db', statementCacheSize: 1.5 })).toThrow(/statementCacheSize/);
    expect(() => createSqliteSql({ filename: 'x.db', journalMod: 'wal' } as never)).toThrow(
      /did you mean 'journalMode'/,
    );
    expect(() => createSqliteSql({ filename: 'x.db', pragmas: [] as never })).toThrow(/pragmas: expected an object/);
  });

  it('holds pragma names and values to plain words and numbers, since both are spliced into SQL', () => {
    const problems = (pragmas: Record<string, unknown>) => {
      try {
        createSqliteSql({ filename: 'x.db', pragmas } as never);
        return [];
      } catch (error) {
        return (error as KeelOptionsError).issues;
      }
    };
    expect(problems({ 'cache_size; DROP TABLE x': 1 })).toEqual([
      {
        path: 'pragmas.cache_size; DROP TABLE x',
        problem: 'expected a pragma name (letters and underscores), got "cache_size; DROP TABLE x"',
      },
    ]);
    expect(problems({ cache_size: '1; DROP TABLE x', mmap_size: Number.NaN, temp_store: true })).toEqual([
      { path: 'pragmas.cache_size', problem: 'expected a number or a plain word, got "1; DROP TABLE x"' },
      { path: 'pragmas.mmap_size', problem: 'expected a number or a plain word, got NaN' },
      { path: 'pragmas.temp_store', problem: 'expected a number or a plain word, got true' },
    ]);
    expect(
      problems({ cache_size: -64000, temp_store: 'memory', journal_size_limit: 1.5e6, skipped: undefined }),
    ).toEqual([]);
  });

  it('reports every problem of one options object, each with its path', () => {
    const options = {
      filename: '',
      readonly: 'no',
      journalMode: 'WAL',
      busyTimeoutMs: -1,
      pragmas: { 'x y': 1 },
      nativeBinding: '',
      synchronus: 'full',
    };
    let thrown: unknown;
    try {
      createSqliteSql(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeelOptionsError);
    expect((thrown as KeelOptionsError).where).toBe('createSqliteSql');
    expect((thrown as KeelOptionsError).issues).toEqual([
      { path: 'filename', problem: `expected a file path (or ':memory:' for an in-memory database), got ""` },
      { path: 'readonly', problem: 'expected true or false, got "no"' },
      {
        path: 'journalMode',
        problem: "expected one of 'wal', 'delete', 'truncate', 'persist', 'memory', 'off', got \"WAL\"",
      },
      { path: 'busyTimeoutMs', problem: 'expected an integer from 0 to 2147483647, got -1' },
      { path: 'pragmas.x y', problem: 'expected a pragma name (letters and underscores), got "x y"' },
      { path: 'nativeBinding', problem: 'expected a non-empty string, got ""' },
      {
        path: 'synchronus',
        problem: expect.stringMatching(/^is not an option; did you mean 'synchronous'\? \(known: filename, /),
      },
    ]);
  });

  it('opens with WAL, foreign keys, the chosen synchronous mode and extra pragmas', async () => {
    const sql = open({ synchronous: 'full', pragmas: { cache_size: -4000, temp_store: 'memory' } });
    expect(expectOk(await sql.query('PRAGMA journal_mode')).rows).toEqual([['wal']]);
    expect(expectOk(await sql.query('PRAGMA foreign_keys')).rows).toEqual([[1]]);
    expect(expectOk(await sql.query('PRAGMA synchronous')).rows).toEqual([[2]]);
    expect(expectOk(await sql.query('PRAGMA cache_size')).rows).toEqual([[-4000]]);
    expect(expectOk(await sql.query('PRAGMA temp_store')).rows).toEqual([[2]]);
    const other = open({ journalMode: 'delete', foreignKeys: false });
    expect(expectOk(await other.query('PRAGMA journal_mode')).rows).toEqual([['delete']]);
    expect(expectOk(await other.query('PRAGMA foreign_keys')).rows).toEqual([[0]]);
    expect(expectOk(await other.query('PRAGMA synchronous')).rows).toEqual([[1]]);
  });

  it('declares persistence only for files', () => {
    expect(open().capabilities.persistent).toBe(true);
    expect(open({ filename: ':memory:' }).capabilities.persistent).toBe(false);
  });
});

describe('statements', () => {
  it('returns rows as arrays, columns in order, integers exact', async () => {
    const sql = open({ filename: ':memory:' });
    const result = expectOk(
      await sql.query("SELECT 1 AS a, 2 AS a, ? AS big, ? AS real, x'00ff' AS bytes", [2n ** 60n, 0.5]),
    );
    expect(result.columns).toEqual(['a', 'a', 'big', 'real', 'bytes']);
    expect(result.rows).toEqual([[1, 2, 2n ** 60n, 0.5, Buffer.from([0, 255])]]);
    expect(result.rows[0]?.[4]).toBeInstanceOf(Uint8Array);
  });

  it('query runs a statement that returns no rows; execute runs one that does', async () => {
    const sql = open({ filename: ':memory:' });
    expect(expectOk(await sql.query('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'))).toEqual({
      columns: [],
      rows: [],
    });
    const returning = expectOk(await sql.execute('INSERT INTO t (v) VALUES (?) RETURNING id', ['a']));
    expect(returning).toEqual({ rowsAffected: 1, lastInsertId: 1 });
    expect(expectOk(await sql.query('INSERT INTO t (v) VALUES (?) RETURNING id, v', ['b'])).rows).toEqual([[2, 'b']]);
    expect(expectOk(await sql.execute('SELECT * FROM t'))).toEqual({ rowsAffected: 0, lastInsertId: undefined });
  });

  it('sees a table altered by another connection, and its own schema changes', async () => {
    const filename = join(dir, 'altered.db');
    const sql = open({ filename });
    expectOk(await sql.executeScript('CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)'));
    expect(expectOk(await sql.query('SELECT * FROM t'))).toEqual({ columns: ['a'], rows: [[1]] });
    const other = new Database(filename);
    other.exec('ALTER TABLE t ADD COLUMN b TEXT');
    other.close();
    expect(expectOk(await sql.query('SELECT * FROM t'))).toEqual({ columns: ['a', 'b'], rows: [[1, null]] });
    expectOk(await sql.execute('ALTER TABLE t RENAME COLUMN b TO c'));
    expect(expectOk(await sql.query('SELECT * FROM t')).columns).toEqual(['a', 'c']);
  });

  it('keeps at most statementCacheSize prepared statements', async () => {
    const sql = open({ filename: ':memory:', statementCacheSize: 3 });
    for (let i = 0; i < 10; i++) expectOk(await sql.query(`SELECT ${i}`));
    expect((await sql.health()).detail).toMatchObject({ cachedStatements: 3 });
    const uncached = open({ filename: ':memory:', statementCacheSize: 0 });
    for (let i = 0; i < 3; i++) expect(expectOk(await uncached.query('SELECT ?', [i])).rows).toEqual([[i]]);
    expect((await uncached.health()).detail).toMatchObject({ cachedStatements: 0 });
  });

  it('refuses transaction statements run directly, and rolls back a script that leaves one open', async () => {
    const sql = open({ filename: ':memory:' });
    expectOk(await sql.executeScript('CREATE TABLE t (v INTEGER)'));
    expectErr(await sql.execute('BEGIN'), 'TRANSACTION');
    expectErr(await sql.query('/* hi */ savepoint x'), 'TRANSACTION');
    expectErr(await sql.executeScript('BEGIN; INSERT INTO t VALUES (1)'), 'TRANSACTION');
    expectErr(await sql.executeScript('BEGIN; INSERT INTO t VALUES (1); INSERT INTO nope VALUES (1)'), 'QUERY');
    expectOk(await sql.executeScript('BEGIN; INSERT INTO t VALUES (2); COMMIT'));
    expect(expectOk(await sql.query('SELECT v FROM t')).rows).toEqual([[2]]);
    const tx = expectOk(await sql.begin());
    expectOk(await tx.commit());
  });
});

describe('error mapping', () => {
  it('keeps the SQLite code and message in cause', async () => {
    const sql = open({ filename: ':memory:' });
    expectOk(await sql.executeScript('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE, n INTEGER) STRICT'));
    expectOk(await sql.execute('INSERT INTO t VALUES (1, ?, 1)', ['a']));
    const unique = expectErr(await sql.execute('INSERT INTO t VALUES (2, ?, 1)', ['a']), 'CONSTRAINT_VIOLATION');
    expect(unique).toBeInstanceOf(SqlError);
    expect(unique).toMatchObject({
      constraint: 'unique',
      adapter: 'sqlite',
      op: 'execute',
      message: 'UNIQUE constraint failed: t.v',
    });
    expect(unique.cause).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE', message: 'UNIQUE constraint failed: t.v' });
    const datatype = expectErr(
      await sql.execute('INSERT INTO t VALUES (?, ?, ?)', [3, 'c', 'three']),
      'CONSTRAINT_VIOLATION',
    );
    expect(datatype.constraint).toBe('other');
    expect(datatype.cause).toMatchObject({ code: 'SQLITE_CONSTRAINT_DATATYPE' });
    const syntax = expectErr(await sql.query('SELEC 1'), 'QUERY');
    expect(syntax.cause).toMatchObject({ code: 'SQLITE_ERROR' });
    expectErr(await sql.query('SELECT 1; SELECT 2'), 'QUERY');
    expectErr(await sql.query(''), 'QUERY');
  });

  it('a lock held by another connection is BUSY after the busy timeout', async () => {
    const filename = join(dir, 'busy.db');
    const sql = open({ filename, busyTimeoutMs: 20 });
    expectOk(await sql.executeScript('CREATE TABLE t (v INTEGER)'));
    const other = new Database(filename);
    other.exec('BEGIN IMMEDIATE; INSERT INTO t VALUES (1)');
    const busy = expectErr(await sql.execute('INSERT INTO t VALUES (2)'), 'BUSY');
    expect(busy.cause).toMatchObject({ code: 'SQLITE_BUSY' });
    expectErr(await sql.begin(), 'BUSY');
    // Reads see the last committed state meanwhile (WAL).
    expect(expectOk(await sql.query('SELECT count(*) FROM t')).rows).toEqual([[0]]);
    other.exec('COMMIT');
    other.close();
    expectOk(await sql.execute('INSERT INTO t VALUES (2)'));
  });
});

describe('health', () => {
  it('reports the file, journal mode, pages and the queue', async () => {
    const filename = join(dir, 'health.db');
    const sql = open({ filename });
    expectOk(await sql.executeScript('CREATE TABLE t (v INTEGER)'));
    const report = await sql.health();
    expect(report).toMatchObject({ adapter: 'sqlite', ok: true });
    expect(report.detail).toMatchObject({
      filename,
      journalMode: 'wal',
      synchronous: 'normal',
      pageSize: 4096,
      transactionOpen: false,
      waiting: 0,
    });
    expect(report.detail?.pageCount).toBeGreaterThan(0);
    const memory = await open({ filename: ':memory:' }).health();
    expect(memory.detail).toMatchObject({ filename: ':memory:', journalMode: 'memory' });
  });
});

describe('in a Keel config', () => {
  it('serves several named databases, each resolvable from the container', async () => {
    const config = {
      sql: {
        main: { adapter: 'sqlite', options: { filename: join(dir, 'main.db') } },
        analytics: {
          adapter: 'sqlite',
          options: { filename: ':memory:', statementCacheSize: 10 },
          requires: ['transactions'],
        },
      },
    } as const;
    const keel = expectOk(await createKeel(config, { env: false, adapters: [sqliteAdapter] }));
    try {
      expectOk(await keel.sql.executeScript('CREATE TABLE t (v TEXT)'));
      expectOk(await keel.sql('analytics').executeScript('CREATE TABLE events (v TEXT)'));
      expectErr(await keel.sql('main').query('SELECT * FROM events'), 'QUERY');
      expectErr(await keel.sql('analytics').query('SELECT * FROM t'), 'QUERY');
      // The same instances through the container's tokens; the first configured is the default.
      const analytics = keel.resolve(instanceToken('sql', 'analytics'));
      expect(expectOk(await analytics.query("SELECT name FROM sqlite_master WHERE type = 'table'")).rows).toEqual([
        ['events'],
      ]);
      expect(keel.resolve(tokens.sql)).toBe(keel.resolve(instanceToken('sql', 'main')));
      const health = await keel.health();
      expect(health.map((h) => [h.name, h.ok, h.detail?.filename])).toEqual([
        ['main', true, join(dir, 'main.db')],
        ['analytics', true, ':memory:'],
      ]);
    } finally {
      await keel.close();
    }
  });

  it('names every option at fault with its full path', async () => {
    const options = { filename: ':memory:', synchronus: 'full', pragmas: { cache_size: '1; DROP TABLE t' } };
    const started = createKeel(
      { sql: { adapter: 'sqlite', options: options as never } },
      {
        adapters: [sqliteAdapter],
        env: false,
      },
    );
    await expect(started).rejects.toThrow(KeelConfigError);
    await expect(started).rejects.toMatchObject({
      issues: [
        'sql.options.pragmas.cache_size: expected a number or a plain word, got "1; DROP TABLE t"',
        expect.stringMatching(/^sql\.options\.synchronus: is not an option; did you mean 'synchronous'\?/),
      ],
    });
  });

  it('is not known to core until registered, and the message says what to register', async () => {
    const started = createKeel({ sql: { adapter: 'sqlite', options: { filename: ':memory:' } } }, { env: false });
    await expect(started).rejects.toThrow(/sqliteAdapter/);
  });
});
