import { postgresAdapter } from '@keel/adapter-postgres';
import { createKeel } from '@keel/core';
import { expectOk, type PrivateServer, privatePostgres } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { crashAndRecover } from './fixtures/crash-and-recover.js';
import { startWriteLoad } from './fixtures/write-load.js';

// A PostgreSQL of the test's own, SIGKILLed under a steady load of acknowledged inserts and
// restarted, while the app's Keel (the same one throughout) keeps calling.
const postgres = privatePostgres();

const title = `a PostgreSQL crash under load${postgres.skip ? ` — skipped: ${postgres.skip}` : ''}`;

describe.skipIf(postgres.skip)(title, () => {
  let server: PrivateServer | undefined;
  let keel: { close(): Promise<void> } | undefined;
  afterAll(async () => {
    await keel?.close();
    await server?.stop();
  }, 60_000);

  it('fails calls while down, recovers by itself, and keeps every acknowledged write exactly once', async () => {
    server = await postgres.server!.start();
    const started = await createKeel(
      { sql: { adapter: 'postgres', options: { connectionString: server.url, connectTimeoutMs: 2000, poolSize: 4 } } },
      { adapters: [postgresAdapter], env: false },
    );
    const app = expectOk(started);
    keel = app;
    // No unique key on `id`: a write applied twice (a retried insert) must show as extra rows.
    expectOk(await app.sql.execute('CREATE TABLE writes (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, part INTEGER)'));
    const insert = 'INSERT INTO writes (id, part) VALUES (?, ?)';
    // Workers 1 and 3 write two-row transactions, which must land whole or not at all; 0 and 2 single rows.
    const rowsPerWrite = (id: string) => (Number(id.slice(1, id.indexOf('-'))) % 2 === 1 ? 2 : 1);
    // A transaction's Err codes are counted apart (as `tx CODE`): see the expectations below.
    const write = (id: string) =>
      rowsPerWrite(id) === 2
        ? app.sql
            .transaction((tx) => tx.execute(insert, [id, 1]).andThen(() => tx.execute(insert, [id, 2])))
            .mapErr((error) => ({ code: `tx ${error.code}` }))
        : app.sql.execute(insert, [id, 1]);

    const load = startWriteLoad(write, { workers: 4, boundMs: 30_000 });
    const report = await crashAndRecover(server, load, { steady: 100, failures: 20, giveUpMs: 45_000 }).finally(() =>
      load.stop(),
    );

    expect(report.before).toEqual({});
    // Down means CONNECTION, for the writes in flight at the kill as for those after it, inside a
    // transaction or not; never a hang.
    const expected = ['CONNECTION', 'tx CONNECTION'];
    expect(Object.keys(report.whileDown)).toContain('CONNECTION');
    expect(Object.keys(report.whileDown).filter((code) => !expected.includes(code))).toEqual([]);
    expect(Object.keys(report.afterRestart).filter((code) => !expected.includes(code))).toEqual([]);

    const stored = expectOk(
      await app.sql.query('SELECT id, count(DISTINCT part), count(*) FROM writes GROUP BY id'),
    ).rows;
    const copies = new Map(stored.map(([id, parts, count]) => [id as string, [Number(parts), Number(count)]]));
    expect([...copies].filter(([id, found]) => found.some((n) => n !== rowsPerWrite(id)))).toEqual([]);
    expect([...load.acknowledged].filter((id) => !copies.has(id))).toEqual([]);
    expect(load.acknowledged.size).toBeGreaterThanOrEqual(200);
  }, 120_000);
});
