import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createWasmHost } from '../src/index.js';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
const files = tempDir('keel-wasm-sql-');
afterAll(() => {
  cache.remove();
  files.remove();
});
const guest = fixture('sql-guest');
const SQL_BUSY = 103;
const SQL_ACCESS_DENIED = 107;
let n = 0;
/** A fresh database file: a sql sandbox shares the file with the app, in its own process. */
const database = () => createSqliteSql({ filename: join(files.dir, `db-${n++}.sqlite`) });
const notes = 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)';

// The sql-guest component sends fixed statements; under a named grant, the names are those texts.
const insert = 'INSERT INTO notes (body) VALUES (?)';
const count = 'SELECT count(*) FROM notes';
const wipe = 'DELETE FROM notes';

// Raw SQL runs in a sql sandbox: isolated mode, on an adapter with the sandbox capability.
describe('a sql-using guest (isolated, raw SQL in a sql sandbox)', () => {
  it('reads, writes and uses transactions on its own connection', async () => {
    const sql = database();
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger: {} });
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
    const sql = database();
    const logger = collectingLogger();
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger });
    const c = expectOk(await host.load(guest.bytes, { id: 'leaky', grants: { sql: 'read-write' } }));
    expect(expectOk(await c.call('setup'))).toBe(0);
    expect(expectOk(await c.call('leak', 'lost'))).toBe(0);
    // The database is free again (the open transaction would hold the write lock), and the insert is gone.
    expectOk(await sql.execute(insert, ['app']));
    expect(expectOk(await c.call('add', 'next'))).toBe(0);
    expect(expectOk(await sql.query('SELECT body FROM notes ORDER BY id')).rows).toEqual([['app'], ['next']]);
    expect(logger.lines.some((l) => l.message.includes('rolled back') && l.fields.component === 'leaky')).toBe(true);
    await host.close();
    await sql.close();
  });

  it('a read-only grant refuses every write, including one dressed as a query', async () => {
    const sql = database();
    expectOk(await sql.executeScript(`${notes}; INSERT INTO notes (body) VALUES ('x')`));
    const logger = collectingLogger();
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger });
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

describe('raw SQL where no sandbox can run it', () => {
  it('is refused at load in-thread, and on an adapter without the sandbox capability', async () => {
    const file = database();
    const inThread = createWasmHost({ sql: file }, { cacheDir: cache.dir, logger: {}, mode: 'in-thread' });
    const refused = expectErr(await inThread.load(guest.bytes, { grants: { sql: 'read-only' } }), 'UNAVAILABLE');
    expect(refused.message).toContain('in-thread mode serves sql only as named statements');
    const memory = createSqliteSql({ filename: ':memory:' });
    expect(memory.capabilities.sandbox).toBe(false);
    const isolated = createWasmHost({ sql: memory }, { cacheDir: cache.dir, logger: {} });
    const noSandbox = expectErr(await isolated.load(guest.bytes, { grants: { sql: 'read-write' } }), 'UNAVAILABLE');
    expect(noSandbox.message).toContain("needs a sql adapter with the sandbox capability, and 'sqlite' has none");
    await Promise.all([inThread.close(), isolated.close(), file.close(), memory.close()]);
  });
});

// Named statements run anywhere: in a sandbox when there is one, else on the adapter (in-thread: sql.sync).
describe.each([
  ['isolated, in a sql sandbox', 'isolated', true],
  ['isolated, on an adapter without a sandbox', 'isolated', false],
  ['in-thread, through sql.sync', 'in-thread', false],
] as const)('a guest with named statements (%s)', (_, mode, onFile) => {
  const open = async () => {
    const sql = onFile ? database() : createSqliteSql({ filename: ':memory:' });
    expectOk(await sql.executeScript(notes));
    return sql;
  };

  it('runs only the registered statements, by name', async () => {
    const sql = await open();
    const logger = collectingLogger();
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger, mode });
    const statements = { [insert]: insert, [count]: count };
    const c = expectOk(await host.load(guest.bytes, { grants: { sql: { access: 'read-write', statements } } }));
    expect(expectOk(await c.call('add', 'first'))).toBe(0);
    expect(expectOk(await c.call('add-twice', 'kept', true))).toBe(0);
    expect(expectOk(await c.call('count'))).toBe(3n);
    expect(expectOk(await c.call('wipe'))).toBe(SQL_ACCESS_DENIED);
    expect(expectOk(await c.call('setup'))).toBe(SQL_ACCESS_DENIED);
    expect(expectOk(await c.call('count'))).toBe(3n);
    const reasons = logger.lines.filter((l) => l.message === 'denied a host call').map((l) => l.fields.reason);
    expect(reasons).toEqual(['not a registered statement name', 'a named-statements grant runs no scripts']);
    await host.close();
    await sql.close();
  });

  it('rolls back a transaction the guest leaves open when its call ends', async () => {
    const sql = await open();
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger: {}, mode });
    const grants = { sql: { access: 'read-write', statements: { [insert]: insert, [count]: count } } } as const;
    const c = expectOk(await host.load(guest.bytes, { grants }));
    expect(expectOk(await c.call('leak', 'lost'))).toBe(0);
    expect(expectOk(await c.call('add', 'next'))).toBe(0);
    expect(expectOk(await sql.query('SELECT body FROM notes')).rows).toEqual([['next']]);
    await host.close();
    await sql.close();
  });
});

describe('named statements, checked at load', () => {
  it('a read-only grant cannot register a write', async () => {
    const host = createWasmHost({ sql: createSqliteSql({ filename: ':memory:' }) }, { cacheDir: cache.dir });
    expect(() => host.load(guest.bytes, { grants: { sql: { statements: { wipe } } } })).toThrow(
      /grants\.sql\.statements\.wipe: a read-only grant allows only SELECT, WITH and VALUES, not DELETE/,
    );
    await host.close();
  });

  it('a statement that does not prepare in the sandbox fails the load', async () => {
    const sql = database();
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger: {} });
    const statements = { count: 'SELECT count(*) FROM missing' };
    const refused = expectErr(await host.load(guest.bytes, { grants: { sql: { statements } } }), 'UNAVAILABLE');
    expect(refused.message).toContain("statement 'count': no such table: missing");
    await host.close();
    await sql.close();
  });
});

describe('a sql-using guest in-thread', () => {
  it('is BUSY, not stuck, while an async transaction of the app holds the database', async () => {
    const sql = createSqliteSql({ filename: ':memory:' });
    expectOk(await sql.executeScript(notes));
    const host = createWasmHost({ sql }, { cacheDir: cache.dir, logger: {}, mode: 'in-thread' });
    const grants = { sql: { access: 'read-write', statements: { [insert]: insert, [count]: count } } } as const;
    const c = expectOk(await host.load(guest.bytes, { grants }));
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
