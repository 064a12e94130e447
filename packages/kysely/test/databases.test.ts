import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { afterAll } from 'vitest';
import { describeKyselyOnKeel } from './kysely-suite.js';

// The whole suite, once per database Keel has an adapter for. Each call gets a fresh database.

const dir = mkdtempSync(join(tmpdir(), 'keel-kysely-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
describeKyselyOnKeel('SQLite', () => createSqliteSql({ filename: join(dir, `kysely-${counter++}.db`) }));

// PostgreSQL: when @keel/adapter-postgres lands, add it as a devDependency and run the same suite
// on the machine's server (a fresh database per test; skipped with the reason when it is absent):
//
//   const pg = await testPostgres(); // from @keel/testing
//   afterAll(() => pg.server?.cleanup());
//   describe.skipIf(pg.skip)('PostgreSQL', () => {
//     describeKyselyOnKeel('PostgreSQL', async () => createPostgresSql({ connectionString: await pg.server!.database('kysely') }));
//   });
//
// The suite already branches on `sql.capabilities.dialect` where the two differ by design (serial
// keys, SQLite's insert id, isolation settings).
