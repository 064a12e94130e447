import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Sql } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createWasmHost, type WasmHostLogger } from '../src/index.js';
import { fixture, tempDir } from './support/fixtures.js';

// Each attack a guest made on the sql grant (issue 13, items 1–5), made again by a component of
// our own that sends the SQL, and shown to do no harm. Before the sandbox, items 1 and 2 took the
// whole test process down (SIGSEGV; an event loop blocked forever), 3–5 failed their assertions.

const cache = tempDir();
const files = tempDir('keel-wasm-attack-');
afterAll(() => {
  cache.remove();
  files.remove();
});
const attacker = fixture('sql-attacker');
const SQL_ACCESS_DENIED = -107n;
let n = 0;

/** A database file with an FTS4 table (five segments) and an indexed table of 2000 rows. */
async function database(options: { readonly?: boolean } = {}): Promise<{ sql: Sql; filename: string }> {
  const filename = join(files.dir, `attack-${n++}.sqlite`);
  const setup = createSqliteSql({ filename });
  const script = [
    'CREATE VIRTUAL TABLE docs USING fts4(body)',
    'CREATE TABLE t (a INTEGER, b TEXT)',
    'CREATE INDEX t_a ON t (a)',
    'WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 1999) INSERT INTO t SELECT x % 50, x FROM c',
  ].join(';');
  expectOk(await setup.executeScript(script));
  for (const body of ['hello world', 'hello there', 'other', 'words', 'more']) {
    expectOk(await setup.execute('INSERT INTO docs (body) VALUES (?)', [body]));
  }
  if (!options.readonly) return { sql: setup, filename };
  await setup.close();
  return { sql: createSqliteSql({ filename, readonly: true }), filename };
}

describe.each([false, true])('item 1: fts3_tokenizer by a quoted name (database opened readonly: %s)', (readonly) => {
  it('leaks no pointer, overwrites none, and the next FTS MATCH answers', async () => {
    const { sql } = await database({ readonly });
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger: {} });
    const c = expectOk(await host.load(attacker.bytes, { grants: { sql: 'read-only' } }));
    for (const name of ['"fts3_tokenizer"', '[fts3_tokenizer]', '`FTS3_Tokenizer`', 'fts3_tokenizer /* */']) {
      expect(expectOk(await c.call('query-text', `SELECT ${name}(?)`, 'simple')), name).toBe(SQL_ACCESS_DENIED);
      const overwrite = `SELECT ${name}('simple', ?)`;
      expect(expectOk(await c.call('query-blob', overwrite, new Uint8Array(8).fill(0x41))), name).toBe(
        SQL_ACCESS_DENIED,
      );
    }
    // The first MATCH on this table, on the guest's connection and on the app's: the host is alive to see it.
    expect(expectOk(await c.call('query', "SELECT body FROM docs WHERE docs MATCH 'hello'"))).toBe(2n);
    expect(expectOk(await sql.query("SELECT body FROM docs WHERE docs MATCH 'hello'")).rows).toHaveLength(2);
    await host.close();
    await sql.close();
  });
});

describe('item 2: a guest query that never ends', () => {
  it('is stopped at the deadline while the host keeps serving', async () => {
    const { sql } = await database();
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger: {} });
    const c = expectOk(await host.load(attacker.bytes, { grants: { sql: 'read-only' }, limits: { timeoutMs: 1000 } }));
    const forever = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';
    const order: string[] = [];
    const runaway = c.call('query', forever);
    void runaway.then(() => order.push('runaway ended'));
    // While it runs: a timer fires and the app's own query is answered.
    await new Promise((resolve) => setTimeout(resolve, 20));
    order.push('timer');
    expect(expectOk(await sql.query('SELECT count(*) FROM t')).rows).toEqual([[2000]]);
    order.push('app query');
    const stopped = expectErr(await runaway, 'TIMEOUT');
    expect(order).toEqual(['timer', 'app query', 'runaway ended']);
    expect(stopped.component).toBe(c.id);
    // The next call gets a fresh instance, and a fresh sandbox.
    expect(expectOk(await c.call('query', 'SELECT 1'))).toBe(1n);
    await host.close();
    await sql.close();
  });
});

describe('item 3: writes that read as SELECTs', () => {
  it('run no ANALYZE and rewrite no FTS table under a read-only grant', async () => {
    const { sql } = await database();
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger: {} });
    const c = expectOk(await host.load(attacker.bytes, { grants: { sql: 'read-only' } }));
    for (const statement of [
      'SELECT * FROM pragma_optimize',
      'SELECT * FROM "pragma_optimize"',
      "SELECT * FROM 'pragma_optimize'",
      'SELECT * FROM main.[pragma_optimize]',
      'SELECT optimize(docs) FROM docs',
      'SELECT "optimize"(docs) FROM docs LIMIT 1',
    ]) {
      expect(expectOk(await c.call('query', statement)), statement).toBe(SQL_ACCESS_DENIED);
    }
    const stats = await sql.query("SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'");
    expect(expectOk(stats).rows).toEqual([]);
    expect(expectOk(await sql.query('SELECT count(*) FROM docs_segdir')).rows).toEqual([[5]]);
    await host.close();
    await sql.close();
  });
});

describe('item 4: unbounded results', () => {
  it('end the call at the memory cap while rows are read, and the host does not grow', async () => {
    const { sql } = await database();
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger: {} });
    const limits = { maxMemoryBytes: 1024 * 1024, timeoutMs: 20_000 };
    const c = expectOk(await host.load(attacker.bytes, { grants: { sql: 'read-only' }, limits }));
    const before = process.memoryUsage().rss;
    expectErr(await c.call('query', 'SELECT zeroblob(4e8), zeroblob(4e8)'), 'MEMORY_LIMIT');
    // Endless small rows: the budget stops them, long before the deadline could.
    const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x, zeroblob(1000) FROM c';
    expectErr(await c.call('query', endless), 'MEMORY_LIMIT');
    // The attack took the host from ~0.2 to 2.1 GB; now its memory stays where it was, give or take.
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    expect(expectOk(await c.call('query', 'SELECT a FROM t LIMIT 10'))).toBe(10n);
    await host.close();
    await sql.close();
  });
});

describe('item 5: begin() under a read-only grant', () => {
  it('takes no write lock: another connection writes while the guest reads its snapshot', async () => {
    const { sql, filename } = await database();
    const other = createSqliteSql({ filename, busyTimeoutMs: 0 });
    const writes: string[] = [];
    // The guest logs "holding" between its two reads, inside its transaction; the write happens then.
    const logger: WasmHostLogger = {
      info: (_fields, message) => {
        if (message !== 'holding') return;
        const written = other.sync?.execute('INSERT INTO t (a, b) VALUES (?, ?)', [99, 'written meanwhile']);
        if (!written) writes.push('no sync');
        else writes.push(written.isOk() ? 'written' : written.error.code);
      },
    };
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger });
    const c = expectOk(await host.load(attacker.bytes, { grants: { sql: 'read-only' } }));
    // Both reads inside the guest's transaction see its snapshot: 2000 rows, then 2000 again.
    expect(expectOk(await c.call('snapshot', 'SELECT count(*) FROM t'))).toBe(2000n * 1000n + 2000n);
    expect(writes).toEqual(['written']);
    expect(expectOk(await sql.query('SELECT count(*) FROM t')).rows).toEqual([[2001]]);
    await host.close();
    await Promise.all([sql.close(), other.close()]);
  });
});
