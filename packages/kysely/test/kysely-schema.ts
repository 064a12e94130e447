import type { SqlDialect } from '@keel/core';
import type { ColumnType, Generated, Kysely, Migration } from 'kysely';

/** The typed database every test uses. Booleans and Dates go in; SQL's integers and text come out. */
export interface Database {
  person: {
    id: Generated<number>;
    name: string;
    active: ColumnType<number, boolean | undefined, boolean>;
    born: ColumnType<string | null, Date | string | null | undefined, Date | string | null>;
  };
  pet: {
    id: Generated<number>;
    owner_id: number;
    name: string;
  };
}

/**
 * The schema as kysely migrations, so that kysely's `Migrator` runs through the dialect before
 * every test. An auto-incrementing key is spelled per dialect, as an app would.
 */
export function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '001_person': {
      // biome-ignore lint/suspicious/noExplicitAny: kysely types a migration's database as Kysely<any>.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('person')
          .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('born', 'text')
          .execute();
      },
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      async down(db: Kysely<any>) {
        await db.schema.dropTable('person').execute();
      },
    },
    '002_pet': {
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('pet')
          .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) => c.primaryKey())
          .addColumn('owner_id', 'integer', (c) => c.notNull().references('person.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('pet_owner').on('pet').column('owner_id').execute();
      },
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      async down(db: Kysely<any>) {
        await db.schema.dropTable('pet').execute();
      },
    },
  };
}
