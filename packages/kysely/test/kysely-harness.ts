import type { Sql } from '@keel/core';
import { Kysely, Migrator } from 'kysely';
import { afterEach, beforeEach } from 'vitest';
import { keelDialect } from '../src/index.js';
import { type Database, migrations } from './kysely-schema.js';

/** A fresh database per test, migrated by kysely's Migrator through the dialect. */
export interface KyselyHarness {
  readonly sql: Sql;
  readonly db: Kysely<Database>;
  migrator(db?: Kysely<Database>): Migrator;
}

/** Makes a fresh, empty database on one Keel sql adapter; the suite closes it after each test. */
export type MakeSql = () => Sql | Promise<Sql>;

export function kyselyHarness(makeSql: MakeSql): KyselyHarness {
  let current: { sql: Sql; db: Kysely<Database> } | undefined;
  const now = () => {
    if (!current) throw new Error('the harness is used outside a test');
    return current;
  };
  const harness: KyselyHarness = {
    get sql() {
      return now().sql;
    },
    get db() {
      return now().db;
    },
    migrator(db = now().db) {
      const all = migrations(now().sql.capabilities.dialect);
      return new Migrator({ db, provider: { getMigrations: async () => all } });
    },
  };
  beforeEach(async () => {
    const sql = await makeSql();
    current = { sql, db: new Kysely<Database>({ dialect: keelDialect(sql) }) };
    const { error } = await harness.migrator().migrateToLatest();
    if (error) throw error;
  });
  afterEach(async () => {
    const ending = current;
    current = undefined;
    await ending?.db.destroy();
    await ending?.sql.close();
  });
  return harness;
}
