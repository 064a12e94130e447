import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { type Sql, createMigrator } from '@keel/core';
import { expectOk, type TestPostgres, testPostgres } from '@keel/testing';
import { afterAll, afterEach, beforeEach, describe } from 'vitest';
import { createRepositoryMigrator, repositoryMigration } from '../../src/index.js';
import { allDefinitions } from './definitions.js';

/** One database of a test: fresh, with the test definitions' tables and the package's own. */
export interface TestDatabase {
  readonly sql: Sql;
  /** What another process opens: a file name or a URL. */
  readonly target: string;
  readonly kind: 'sqlite' | 'postgres';
}

/** Opens a target the way the test did (for child processes and second connections). */
export function openTarget(kind: 'sqlite' | 'postgres', target: string): Sql {
  return kind === 'sqlite' ? createSqliteSql({ filename: target }) : createPostgresSql({ connectionString: target });
}

const dir = mkdtempSync(join(tmpdir(), 'keel-repository-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pg = await testPostgres();
afterAll(() => pg.server?.cleanup(), 60_000);
let counter = 0;

/** Migrates a fresh database: the package's tables, then one table per test definition. */
export async function migrate(sql: Sql): Promise<void> {
  expectOk(await createRepositoryMigrator(sql).up());
  const migrations = allDefinitions.map((d, i) => repositoryMigration(d, { version: i + 1 }));
  expectOk(await createMigrator(sql, { migrations }).up());
}

/**
 * Runs `body` once per database (SQLite on a file, PostgreSQL in a fresh database), with a fresh,
 * migrated database for each test: `db()` is the current one.
 */
export function onDatabases(title: string, body: (db: () => TestDatabase) => void): void {
  const each = (kind: 'sqlite' | 'postgres', make: () => Promise<string>) => {
    let current: TestDatabase | undefined;
    beforeEach(async () => {
      const target = await make();
      const sql = openTarget(kind, target);
      await migrate(sql);
      current = { sql, target, kind };
    });
    afterEach(async () => {
      await current?.sql.close();
      current = undefined;
    });
    body(() => {
      if (!current) throw new Error('the database is used outside a test');
      return current;
    });
  };
  describe(`${title} (SQLite)`, () => each('sqlite', async () => join(dir, `db-${counter++}.sqlite`)));
  describe.skipIf(pg.skip)(`${title} (PostgreSQL${pg.skip ? ` — skipped: ${pg.skip}` : ''})`, () =>
    each('postgres', () => (pg.server as TestPostgres).database('repository')),
  );
}
