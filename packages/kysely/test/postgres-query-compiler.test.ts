import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { KeelPostgresQueryCompiler } from '../src/postgres-query-compiler.js';
import type { Database } from './kysely-schema.js';

// Compiling needs no database: kysely's DummyDriver never runs a query.
const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new KeelPostgresQueryCompiler(),
  },
});

describe("PostgreSQL's compiler on Keel", () => {
  it('writes PostgreSQL with ? placeholders, which the contract binds by position', () => {
    const query = db
      .selectFrom('person')
      .select('name')
      .where('id', 'in', [1, 2])
      .where('name', '=', 'Ada')
      .limit(3)
      .compile();
    expect(query.sql).toBe('select "name" from "person" where "id" in (?, ?) and "name" = ? limit ?');
    expect(query.parameters).toEqual([1, 2, 'Ada', 3]);
  });

  it('keeps PostgreSQL-only syntax', () => {
    const query = db
      .insertInto('person')
      .values({ name: 'Ada' })
      .onConflict((oc) => oc.column('name').doUpdateSet({ name: sql`excluded.name` }))
      .returning('id')
      .compile();
    expect(query.sql).toBe(
      'insert into "person" ("name") values (?) on conflict ("name") do update set "name" = excluded.name returning "id"',
    );
  });
});
