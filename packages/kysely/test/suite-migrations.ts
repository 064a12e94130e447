import { type Migration, Migrator, NO_MIGRATIONS } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { KyselyHarness } from './kysely-harness.js';
import { migrations } from './kysely-schema.js';
import { isSqlError } from './suite-queries.js';

export function describeMigrations(h: KyselyHarness): void {
  describe("kysely's Migrator", () => {
    it('has migrated to the latest, and kysely introspects the tables it made', async () => {
      const migrations = await h.migrator().getMigrations();
      expect(migrations.map((m) => [m.name, m.executedAt !== undefined])).toEqual([
        ['001_person', true],
        ['002_pet', true],
      ]);
      const tables = await h.db.introspection.getTables();
      const person = tables.find((t) => t.name === 'person');
      expect(person?.columns.map((c) => c.name)).toEqual(['id', 'name', 'active', 'born']);
      const column = (name: string) => person?.columns.find((c) => c.name === name);
      expect([column('name')?.isNullable, column('born')?.isNullable]).toEqual([false, true]);
      expect(column('active')?.hasDefaultValue).toBe(true);
      expect(tables.map((t) => t.name)).toContain('pet');
    });

    it('migrates down one step and back up, and to nothing', async () => {
      const down = await h.migrator().migrateDown();
      expect(down.error).toBeUndefined();
      expect(down.results?.map((r) => [r.migrationName, r.direction, r.status])).toEqual([
        ['002_pet', 'Down', 'Success'],
      ]);
      expect((await h.db.introspection.getTables()).map((t) => t.name)).not.toContain('pet');
      const up = await h.migrator().migrateToLatest();
      expect(up.results?.map((r) => r.migrationName)).toEqual(['002_pet']);
      const none = await h.migrator().migrateTo(NO_MIGRATIONS);
      expect(none.error).toBeUndefined();
      expect((await h.db.introspection.getTables()).map((t) => t.name)).toEqual([]);
    });

    it('a failing migration is reported with its SqlError and undone, the earlier ones stay', async () => {
      const broken: Migration = {
        async up(db) {
          await db.schema.createTable('toy').addColumn('id', 'integer').execute();
          await db.schema.createTable('person').addColumn('id', 'integer').execute();
        },
      };
      const all = { ...migrations(h.sql.capabilities.dialect), '003_broken': broken };
      const migrator = new Migrator({ db: h.db, provider: { getMigrations: async () => all } });
      const { error, results } = await migrator.migrateToLatest();
      expect(error).toSatisfy(isSqlError('QUERY'));
      expect(results?.map((r) => [r.migrationName, r.status])).toEqual([['003_broken', 'Error']]);
      expect((await migrator.getMigrations()).map((m) => [m.name, m.executedAt !== undefined])).toEqual([
        ['001_person', true],
        ['002_pet', true],
        ['003_broken', false],
      ]);
    });
  });
}
