import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { type TestPostgres, testPostgres } from '@keel/testing';
import { afterAll, describe } from 'vitest';
import { describeKyselyOnKeel } from './kysely-suite.js';

// The whole suite, once per database Keel has an adapter for. Each call gets a fresh database.

const dir = mkdtempSync(join(tmpdir(), 'keel-kysely-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
describeKyselyOnKeel('SQLite', () => createSqliteSql({ filename: join(dir, `kysely-${counter++}.db`) }));

const pg = await testPostgres();
afterAll(() => pg.server?.cleanup());
describe.skipIf(pg.skip)(`PostgreSQL${pg.skip ? ` — skipped: ${pg.skip}` : ''}`, () => {
  describeKyselyOnKeel('PostgreSQL', async () =>
    createPostgresSql({ connectionString: await (pg.server as TestPostgres).database('kysely') }),
  );
});
