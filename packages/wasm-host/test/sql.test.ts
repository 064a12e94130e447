import { createSqliteSql } from '@keel/adapter-sqlite';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createWasmHost } from '../src/index.js';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
afterAll(() => cache.remove());
const guest = fixture('sql-guest');
const SQL_BUSY = 103;
const SQL_ACCESS_DENIED = 107;

// Isolated: better-sqlite3 behind the async contract, bridged. In-thread: core's sql.sync.
describe.each(['isolated', 'in-thread'] as const)('a sql-using guest (%s)', (mode) => {
  it('reads, writes and uses transactions through the adapter', async () => {
    const sql = createSqliteSql({ filename: ':memory:' });
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger: {}, mode });
    const c = expectOk(await host.load(guest.bytes, { grants: { sql: 'read-write' } }));
    expect(expectOk(await c.call('setup'))).toBe(0);
    expect(expectOk(await c.call('add', 'first'))).toBe(0);
    expect(expectOk(await c.call('count'))).toBe(1n);
    expect(expectOk(await c.call('add-twice', 'kept', true))).toBe(0);
    expect(expectOk(await c.call('add-twice', 'dropped', false))).toBe(0);
    expect(expectOk(await c.call('count'))).toBe(3n);
    const rows = expectOk(await sql.query('SELECT body FROM notes ORDER BY id')).rows.map((r) => r[0]);
    expect(rows).toEqual(['first', 'kept', 'kept']);
    expect(expectOk(await c.call('wipe'))).toBe(0);
    expect(expectOk(await c.call('count'))).toBe(0n);
    await host.close();
    await sql.close();
  });

  it('rolls back a transaction the guest leaves open when its call ends', async () => {
    const sql = createSqliteSql({ filename: ':memory:' });
    const logger = collectingLogger();
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger, mode });
    const c = expectOk(await host.load(guest.bytes, { id: 'leaky', grants: { sql: 'read-write' } }));
    expect(expectOk(await c.call('setup'))).toBe(0);
    expect(expectOk(await c.call('leak', 'lost'))).toBe(0);
    // The database is free again (the open transaction would block it), and the insert is gone.
    expect(expectOk(await c.call('add', 'next'))).toBe(0);
    expect(expectOk(await c.call('count'))).toBe(1n);
    expect(expectOk(await sql.query('SELECT body FROM notes')).rows).toEqual([['next']]);
    expect(logger.lines.some((l) => l.message.includes('rolled back') && l.fields.component === 'leaky')).toBe(true);
    await host.close();
    await sql.close();
  });

  it('a read-only grant refuses every write, including one dressed as a query', async () => {
    const sql = createSqliteSql({ filename: ':memory:' });
    expectOk(
      await sql.executeScript(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL); INSERT INTO notes (body) VALUES ('x')",
      ),
    );
    const logger = collectingLogger();
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger, mode });
    const c = expectOk(await host.load(guest.bytes, { grants: { sql: 'read-only' } }));
    expect(expectOk(await c.call('count'))).toBe(1n);
    expect(expectOk(await c.call('setup'))).toBe(SQL_ACCESS_DENIED);
    expect(expectOk(await c.call('add', 'y'))).toBe(SQL_ACCESS_DENIED);
    expect(expectOk(await c.call('wipe'))).toBe(SQL_ACCESS_DENIED);
    expect(expectOk(await c.call('sneaky'))).toBe(SQL_ACCESS_DENIED);
    // A transaction may be opened to read, but not written in.
    expect(expectOk(await c.call('add-twice', 'z', true))).toBe(SQL_ACCESS_DENIED);
    expect(expectOk(await c.call('count'))).toBe(1n);
    const reasons = logger.lines.filter((l) => l.message === 'denied a host call').map((l) => l.fields.reason);
    expect(reasons).toContain('a read-only grant allows only SELECT, WITH and VALUES, not DELETE');
    expect(reasons).toContain('the sql grant is read-only');
    await host.close();
    await sql.close();
  });
});

describe('a sql-using guest in-thread', () => {
  it('is BUSY, not stuck, while an async transaction of the app holds the database', async () => {
    const sql = createSqliteSql({ filename: ':memory:' });
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger: {}, mode: 'in-thread' });
    const c = expectOk(await host.load(guest.bytes, { grants: { sql: 'read-write' } }));
    expect(expectOk(c.callSync('setup'))).toBe(0);
    const tx = expectOk(await sql.begin());
    expectOk(await tx.execute("INSERT INTO notes (body) VALUES ('app')"));
    expect(expectOk(c.callSync('count'))).toBe(-BigInt(SQL_BUSY));
    expect(expectOk(c.callSync('add', 'guest'))).toBe(SQL_BUSY);
    expectOk(await tx.commit());
    expect(expectOk(c.callSync('add', 'guest'))).toBe(0);
    expect(expectOk(await sql.query('SELECT body FROM notes ORDER BY id')).rows).toEqual([['app'], ['guest']]);
    await host.close();
    await sql.close();
  });
});
