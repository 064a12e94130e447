import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sql, SqlSandbox } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteSql } from '../src/index.js';

// The attacks on a guest's sql grant (issue 13), sent straight to the sandbox: no lexical guard
// in front, so what holds here is what the engine and the process enforce on their own.

const dir = mkdtempSync(join(tmpdir(), 'keel-sandbox-attacks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function setup(options: { readonly?: boolean } = {}) {
  const filename = join(dir, `db-${n++}.sqlite`);
  const sql = createSqliteSql({ filename });
  const script = [
    'CREATE VIRTUAL TABLE docs USING fts4(body)',
    'CREATE TABLE t (a INTEGER, b TEXT)',
    'CREATE INDEX t_a ON t (a)',
    'WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 1999) INSERT INTO t SELECT x % 50, x FROM c',
  ].join(';');
  expectOk(await sql.executeScript(script));
  for (const body of ['hello world', 'hello there', 'other', 'words', 'more']) {
    expectOk(await sql.execute('INSERT INTO docs (body) VALUES (?)', [body]));
  }
  if (!options.readonly) return { sql, filename };
  await sql.close();
  return { sql: createSqliteSql({ filename, readonly: true }), filename };
}

const open = async (sql: Sql, readOnly = true, deadlineMs = 5000) =>
  expectOk(await (sql.sandbox ?? expect.fail('no sql.sandbox'))({ readOnly, deadlineMs, maxResultBytes: 1024 * 1024 }));

describe.each([
  ['read-only sandbox', true, false],
  ['read-write sandbox', false, false],
  ['database opened readonly', true, true],
])('fts3_tokenizer (%s)', (_, readOnly, readonlyDb) => {
  it('is refused at every arity and spelling, and the first MATCH afterwards answers', async () => {
    const { sql } = await setup({ readonly: readonlyDb });
    const sandbox = await open(sql, readOnly);
    for (const name of ['fts3_tokenizer', '"fts3_tokenizer"', '[FTS3_TOKENIZER]', '`Fts3_Tokenizer`']) {
      expectErr(await sandbox.query(`SELECT ${name}(?)`, ['simple']), 'ACCESS_DENIED');
      expectErr(await sandbox.query(`SELECT ${name}('simple', ?)`, [new Uint8Array(8).fill(0x41)]), 'ACCESS_DENIED');
    }
    expect(expectOk(await sandbox.query("SELECT body FROM docs WHERE docs MATCH 'hello'")).rows).toHaveLength(2);
    expectErr(await sandbox.query("SELECT load_extension('/tmp/x.so')"), 'ACCESS_DENIED');
    await sandbox.close();
    await sql.close();
  });
});

describe('a statement that never ends', () => {
  it('is killed at the deadline (TIMEOUT) while the event loop runs, and the next statement runs', async () => {
    const { sql } = await setup();
    const sandbox = await open(sql, true, 300);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const forever = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';
    const running = sandbox.query(forever);
    expect(sandbox.busy).toBe(true);
    expectErr(await running, 'TIMEOUT');
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    expect(expectOk(await sandbox.query('SELECT count(*) FROM t')).rows).toEqual([[2000]]);
    await sandbox.close();
    await sql.close();
  });

  it('interrupt() stops it at once; its transaction is gone', async () => {
    const { sql } = await setup();
    const sandbox = await open(sql, false);
    const tx = expectOk(await sandbox.begin());
    expectOk(await tx.execute("INSERT INTO t (a, b) VALUES (1, 'lost')"));
    const running = tx.query('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c');
    setTimeout(() => sandbox.interrupt(), 50);
    expectErr(await running, 'TIMEOUT');
    expect(expectErr(await tx.commit(), 'TRANSACTION').message).toContain('restarted');
    expect(expectOk(await sql.query("SELECT count(*) FROM t WHERE b = 'lost'")).rows).toEqual([[0]]);
    await sandbox.close();
    await sql.close();
  });
});

describe('writes that read as SELECTs, in a read-only sandbox', () => {
  it('run no ANALYZE and rewrite no FTS table', async () => {
    const { sql } = await setup();
    const sandbox = await open(sql);
    for (const statement of ['SELECT * FROM pragma_optimize', "SELECT * FROM 'pragma_optimize'"]) {
      expectErr(await sandbox.query(statement), 'ACCESS_DENIED');
    }
    expectErr(await sandbox.query('SELECT optimize(docs) FROM docs'), 'ACCESS_DENIED');
    for (const statement of [
      'CREATE TEMP TABLE x (a)',
      "WITH x AS (SELECT 1) INSERT INTO t (a, b) SELECT 1, 'x' FROM x",
      'DELETE FROM t RETURNING a',
      'ANALYZE',
      "VACUUM INTO '/tmp/keel-sandbox-copy.db'",
      "ATTACH 'file::memory:' AS m",
      'PRAGMA query_only = 0',
      ';; PRAGMA query_only = 0',
      'EXPLAIN PRAGMA query_only = 0',
      'BEGIN IMMEDIATE',
    ]) {
      expect((await sandbox.query(statement)).isErr(), statement).toBe(true);
    }
    const stats = await sql.query("SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'");
    expect(expectOk(stats).rows).toEqual([]);
    expect(expectOk(await sql.query('SELECT count(*) FROM docs_segdir')).rows).toEqual([[5]]);
    expect(expectOk(await sql.query('SELECT count(*) FROM t')).rows).toEqual([[2000]]);
    await sandbox.close();
    await sql.close();
  });
});

describe('results past the budget', () => {
  it('are TOO_LARGE while read: huge values, endless rows, values V8 cannot hold', async () => {
    const { sql } = await setup();
    const sandbox = await open(sql);
    const before = process.memoryUsage().rss;
    expectErr(await sandbox.query('SELECT zeroblob(4e8), zeroblob(4e8)'), 'TOO_LARGE');
    const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x, zeroblob(1000) FROM c';
    expect(expectErr(await sandbox.query(endless), 'TOO_LARGE').message).toMatch(/passed 1048576 bytes at row \d+/);
    // A 300 MB string: SQLite builds it, the process cannot hand it to JavaScript and ends.
    expectErr(await sandbox.query("SELECT printf('%.*c', 300000000, 'x')"), 'TOO_LARGE');
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    expect(expectOk(await sandbox.query('SELECT count(*) FROM t')).rows).toEqual([[2000]]);
    await sandbox.close();
    await sql.close();
  });
});

describe('begin() in a read-only sandbox', () => {
  it('takes no write lock: another connection writes while the transaction reads its snapshot', async () => {
    const { sql, filename } = await setup();
    const other = createSqliteSql({ filename, busyTimeoutMs: 0 });
    const sandbox: SqlSandbox = await open(sql);
    const tx = expectOk(await sandbox.begin());
    expect(expectOk(await tx.query('SELECT count(*) FROM t')).rows).toEqual([[2000]]);
    expectOk(await other.execute("INSERT INTO t (a, b) VALUES (99, 'meanwhile')"));
    expect(expectOk(await tx.query('SELECT count(*) FROM t')).rows).toEqual([[2000]]);
    expectOk(await tx.commit());
    expect(expectOk(await sandbox.query('SELECT count(*) FROM t')).rows).toEqual([[2001]]);
    await sandbox.close();
    await Promise.all([sql.close(), other.close()]);
  });
});
