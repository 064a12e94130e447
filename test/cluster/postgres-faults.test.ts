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
    // No unique key on `id`: a write applied twice (a retried insert) must show as two rows.
    expectOk(await app.sql.execute('CREATE TABLE writes (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL)'));

    const load = startWriteLoad((id) => app.sql.execute('INSERT INTO writes (id) VALUES (?)', [id]), {
      workers: 4,
      boundMs: 30_000,
    });
    const report = await crashAndRecover(server, load, { steady: 100, failures: 20, giveUpMs: 45_000 }).finally(() =>
      load.stop(),
    );

    expect(report.before).toEqual({});
    // Down means CONNECTION, for the writes in flight at the kill as for those after it; never a hang.
    expect(Object.keys(report.whileDown)).toEqual(['CONNECTION']);
    expect(Object.keys(report.afterRestart).filter((code) => code !== 'CONNECTION')).toEqual([]);

    const stored = expectOk(await app.sql.query('SELECT id, count(*) FROM writes GROUP BY id')).rows;
    const copies = new Map(stored.map(([id, count]) => [id as string, Number(count)]));
    expect([...copies].filter(([, count]) => count !== 1)).toEqual([]);
    expect([...load.acknowledged].filter((id) => !copies.has(id))).toEqual([]);
    expect(load.acknowledged.size).toBeGreaterThanOrEqual(200);
  }, 120_000);
});
