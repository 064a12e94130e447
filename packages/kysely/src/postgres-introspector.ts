import { type DatabaseMetadataOptions, PostgresIntrospector, type TableMetadata } from 'kysely';

/**
 * kysely's PostgreSQL introspector, with its flags made booleans again: Keel's contract has no
 * boolean, so PostgreSQL's `bool` columns arrive as 0/1 (see @keel/adapter-postgres's values table).
 */
export class KeelPostgresIntrospector extends PostgresIntrospector {
  override async getTables(options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    const tables = await super.getTables(options);
    return tables.map((table) => ({
      ...table,
      columns: table.columns.map((column) => ({
        ...column,
        isNullable: Boolean(column.isNullable),
        isAutoIncrementing: Boolean(column.isAutoIncrementing),
        hasDefaultValue: Boolean(column.hasDefaultValue),
      })),
    }));
  }
}
