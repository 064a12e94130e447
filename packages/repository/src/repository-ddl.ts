import type { Migration, SqlDialect } from '@keel/core';
import type { FieldLayout, RepositoryDefinition } from './definition-types.js';
import { columnType } from './field-kinds.js';

/** `"name"`: every identifier is quoted, so a field may be called `order` or `user`. */
export const quote = (name: string): string => `"${name}"`;

/**
 * The migration that creates a definition's entity table, per dialect, for the app's own
 * migrator. The table has, in order: `tenant_id` (tenant-scoped only), the entity's fields (the
 * id first), `version`, `created_at`, `updated_at`, and `deleted_at`, `deleted_by` (soft delete
 * only). The primary key is `(tenant_id, id)` when tenant-scoped, else `(id)`. Each `unique` set
 * is a unique index led by `tenant_id` when tenant-scoped and, with soft delete, partial
 * (`WHERE deleted_at IS NULL`), so a deleted entity does not hold its values; each `indexes` set
 * is an index led the same way.
 *
 * @example
 * const migrator = createMigrator(keel.sql, { migrations: [repositoryMigration(tasks, { version: 1 })] });
 * await migrator.up();
 */
export function repositoryMigration(
  definition: RepositoryDefinition<object, string, unknown>,
  options: { readonly version: number; readonly name?: string },
): Migration {
  return {
    version: options.version,
    name: options.name ?? `create ${definition.table}`,
    up: { sqlite: createTable(definition, 'sqlite'), postgres: createTable(definition, 'postgres') },
    down: `DROP TABLE ${quote(definition.table)}`,
  };
}

/** The `CREATE TABLE` and `CREATE INDEX` script of an entity table on one dialect. */
export function createTable(definition: RepositoryDefinition<object, string, unknown>, dialect: SqlDialect): string {
  const { table, tenantScoped, softDelete } = definition;
  const column = (f: FieldLayout) => {
    const check = dialect === 'sqlite' && f.kind === 'boolean' ? ` CHECK (${quote(f.column)} IN (0, 1))` : '';
    return `  ${quote(f.column)} ${columnType(f.kind, dialect)}${f.nullable || f.optional ? '' : ' NOT NULL'}${check}`;
  };
  const tenant = tenantScoped ? [`  "tenant_id" ${columnType('text', dialect)} NOT NULL`] : [];
  const key = [...(tenantScoped ? ['tenant_id'] : []), (definition.fields[0] as FieldLayout).column];
  const lines = [
    ...tenant,
    ...definition.fields.map(column),
    ...definition.metaFields.map(column),
    `  PRIMARY KEY (${key.map(quote).join(', ')})`,
  ];
  // STRICT: SQLite refuses a value of the wrong type instead of storing it as it comes.
  const statements = [
    `CREATE TABLE ${quote(table)} (\n${lines.join(',\n')}\n)${dialect === 'sqlite' ? ' STRICT' : ''}`,
  ];
  const columnsOf = (names: readonly string[]) =>
    [
      ...(tenantScoped ? ['tenant_id'] : []),
      ...names.map((n) => (definition.fields.find((f) => f.name === n) as FieldLayout).column),
    ]
      .map(quote)
      .join(', ');
  definition.unique.forEach((set, i) => {
    const partial = softDelete ? ' WHERE "deleted_at" IS NULL' : '';
    statements.push(
      `CREATE UNIQUE INDEX ${quote(`${table}_unique_${i + 1}`)} ON ${quote(table)} (${columnsOf(set)})${partial}`,
    );
  });
  definition.indexes.forEach((set, i) => {
    statements.push(`CREATE INDEX ${quote(`${table}_index_${i + 1}`)} ON ${quote(table)} (${columnsOf(set)})`);
  });
  return `${statements.join(';\n')};\n`;
}
