import { rowsToObjects } from '@keel/core';
import { expectOk } from '@keel/testing';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { defineRepository, repositoryMigration } from '../src/index.js';
import { onDatabases } from './support/databases.js';
import { Task, tasks, tenantTasks } from './support/definitions.js';

const Note = v.object({ id: v.string(), body: v.string(), userID: v.string() });

describe('defineRepository', () => {
  it('maps camelCase fields to snake_case columns, the id first, then the repository’s own', () => {
    const notes = defineRepository({
      table: 'notes',
      schema: Note,
      id: 'id',
      fields: { body: 'text', userID: 'text', id: 'text' },
    });
    expect(notes.fields.map((f) => [f.name, f.column])).toEqual([
      ['id', 'id'],
      ['body', 'body'],
      ['userID', 'user_id'],
    ]);
    expect(notes.metaFields.map((f) => f.column)).toEqual(['version', 'created_at', 'updated_at']);
    expect(tasks.metaFields.map((f) => f.column)).toEqual([
      'version',
      'created_at',
      'updated_at',
      'deleted_at',
      'deleted_by',
    ]);
    expect(notes.entity).toBe('notes');
    expect(Object.isFrozen(notes)).toBe(true);
  });

  it('throws a TypeError naming the mistake', () => {
    const base = {
      table: 'notes',
      schema: Note,
      id: 'id' as const,
      fields: { id: 'text', body: 'text', userID: 'text' } as const,
    };
    const bad = (patch: object) => () => defineRepository({ ...base, ...patch } as never);
    expect(bad({ table: 'Notes' })).toThrow(/table must be lower-case/);
    expect(bad({ schema: { parse() {} } })).toThrow(/Standard Schema/);
    expect(bad({ id: 'nope' })).toThrow(/id "nope" is not one of the fields/);
    expect(bad({ fields: { ...base.fields, body: 'string' } })).toThrow(/fields.body must be one of text, integer/);
    expect(bad({ fields: { ...base.fields, body: { type: 'text', column: 'user_id' } } })).toThrow(
      /both map to column user_id/,
    );
    expect(bad({ fields: { ...base.fields, version: 'integer' } })).toThrow(/field version is kept by the repository/);
    expect(bad({ unique: [['colour']] })).toThrow(/unique\[0\] names "colour"/);
    expect(bad({ entity: 'has space' })).toThrow(/entity must be a name/);
    expect(bad({ fields: { id: { type: 'text', nullable: true }, body: 'text', userID: 'text' } })).toThrow(
      /id field id must be/,
    );
  });

  it('holds the fields to the entity type at compile time', () => {
    const fields = {
      id: 'text',
      title: 'text',
      slug: 'text',
      done: 'boolean',
      points: 'integer',
      weight: 'real',
      tags: 'json',
    } as const;
    const rest = { dueAt: { type: 'timestamp', optional: true }, note: { type: 'text', nullable: true } } as const;
    const a = () =>
      // @ts-expect-error: title is a string, so it cannot be stored as integer
      defineRepository({ table: 'a', schema: Task, id: 'id', fields: { ...fields, ...rest, title: 'integer' } });
    const b = () =>
      defineRepository({
        table: 'b',
        schema: Task,
        id: 'id',
        // @ts-expect-error: note may be null, so it must say nullable: true
        fields: { ...fields, dueAt: { type: 'timestamp', optional: true }, note: 'text' },
      });
    const c = () =>
      defineRepository({
        table: 'c',
        schema: Task,
        id: 'id',
        // @ts-expect-error: dueAt is missing
        fields: { ...fields, note: { type: 'text', nullable: true } },
      });
    const d = () =>
      defineRepository({
        table: 'd',
        schema: Task,
        // @ts-expect-error: done is not a valid id (boolean)
        id: 'done',
        fields: { ...fields, ...rest },
      });
    // At run time only the id's kind can be checked: the schema says nothing of its types.
    expect(d).toThrow(/the id field done must be text, integer or bigint/);
    expect([a, b, c].map((f) => typeof f)).toEqual(['function', 'function', 'function']);
  });
});

describe('repositoryMigration', () => {
  it('writes the exact table of a tenant-scoped, soft-deleting definition on each dialect', () => {
    const migration = repositoryMigration(tenantTasks, { version: 3 });
    expect(migration).toMatchObject({ version: 3, name: 'create tenant_tasks', down: 'DROP TABLE "tenant_tasks"' });
    const { sqlite, postgres } = migration.up as { sqlite: string; postgres: string };
    expect(sqlite).toBe(`CREATE TABLE "tenant_tasks" (
  "tenant_id" TEXT NOT NULL,
  "id" TEXT NOT NULL,
  "title" TEXT NOT NULL,
  "slug" TEXT NOT NULL,
  "done" INTEGER NOT NULL CHECK ("done" IN (0, 1)),
  "points" INTEGER NOT NULL,
  "weight" REAL NOT NULL,
  "tags" TEXT NOT NULL,
  "due_at" TEXT,
  "note" TEXT,
  "version" INTEGER NOT NULL,
  "created_at" TEXT NOT NULL,
  "updated_at" TEXT NOT NULL,
  "deleted_at" TEXT,
  "deleted_by" TEXT,
  PRIMARY KEY ("tenant_id", "id")
) STRICT;
CREATE UNIQUE INDEX "tenant_tasks_unique_1" ON "tenant_tasks" ("tenant_id", "slug") WHERE "deleted_at" IS NULL;
`);
    expect(postgres).toContain('"tenant_id" TEXT COLLATE "C" NOT NULL');
    expect(postgres).toContain('"done" BOOLEAN NOT NULL,');
    expect(postgres).toContain('"points" BIGINT NOT NULL');
    expect(postgres).toContain('"weight" DOUBLE PRECISION NOT NULL');
    expect(postgres).toContain('"tags" JSONB NOT NULL');
    expect(postgres).toContain('"due_at" TIMESTAMPTZ(3),');
    expect(postgres).toContain('WHERE "deleted_at" IS NULL');
    expect(postgres).not.toContain('STRICT');
  });
});

onDatabases('generated tables', (db) => {
  it('creates the columns the definition says, which the repository then uses', async () => {
    const { sql, kind } = db();
    const columns =
      kind === 'sqlite'
        ? rowsToObjects(expectOk(await sql.query('SELECT name FROM pragma_table_info(?)', ['tasks']))).map(
            (r) => r.name,
          )
        : rowsToObjects(
            expectOk(
              await sql.query(
                'SELECT column_name AS name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position',
                ['tasks'],
              ),
            ),
          ).map((r) => r.name);
    expect(columns).toEqual([
      'id',
      'title',
      'slug',
      'done',
      'points',
      'weight',
      'tags',
      'due_at',
      'note',
      'version',
      'created_at',
      'updated_at',
      'deleted_at',
      'deleted_by',
    ]);
  });
});
