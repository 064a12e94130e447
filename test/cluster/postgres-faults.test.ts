import { postgresAdapter } from '@keel/adapter-postgres';
import { createKeel } from '@keel/core';
import { expectOk, privatePostgres } from '@keel/testing';
import { expect } from 'vitest';
import { describeCrashUnderLoad } from './fixtures/crash-under-load.js';

const insert = 'INSERT INTO writes (id, part) VALUES (?, ?)';
// Workers 1 and 3 write two-row transactions, which must land whole or not at all; 0 and 2 single rows.
const rowsPerWrite = (id: string) => (Number(id.slice(1, id.indexOf('-'))) % 2 === 1 ? 2 : 1);

// A PostgreSQL of the test's own, SIGKILLed under a steady load of acknowledged inserts and
// restarted, while the app's Keel (the same one throughout) keeps calling.
describeCrashUnderLoad({
  server: 'PostgreSQL',
  servers: privatePostgres(),
  start: async (url) =>
    expectOk(
      await createKeel(
        { sql: { adapter: 'postgres', options: { connectionString: url, connectTimeoutMs: 2000, poolSize: 4 } } },
        { adapters: [postgresAdapter], env: false },
      ),
    ),
  // No unique key on `id`: a write applied twice (a retried insert) must show as extra rows.
  prepare: async (app) => {
    expectOk(await app.sql.execute('CREATE TABLE writes (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, part INTEGER)'));
  },
  // A transaction's Err codes are counted apart (as `tx CODE`).
  write: (app, id) =>
    rowsPerWrite(id) === 2
      ? app.sql
          .transaction((tx) => tx.execute(insert, [id, 1]).andThen(() => tx.execute(insert, [id, 2])))
          .mapErr((error) => ({ code: `tx ${error.code}` }))
      : app.sql.execute(insert, [id, 1]),
  failures: 20,
  // Down means CONNECTION, inside a transaction or not.
  downCodes: ['CONNECTION', 'tx CONNECTION'],
  async verify(app, load) {
    const stored = expectOk(
      await app.sql.query('SELECT id, count(DISTINCT part), count(*) FROM writes GROUP BY id'),
    ).rows;
    const copies = new Map(stored.map(([id, parts, count]) => [id as string, [Number(parts), Number(count)]]));
    expect([...copies].filter(([id, found]) => found.some((n) => n !== rowsPerWrite(id)))).toEqual([]);
    expect([...load.acknowledged].filter((id) => !copies.has(id))).toEqual([]);
  },
});
