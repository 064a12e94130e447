import type { Clock, KeelLogger, Sql, SqlDialect, SqlValue } from '@keel/core';
import type { FieldLayout, RepositoryDefinition } from './definition-types.js';
import { type Failures, failures } from './repository-errors.js';
import { quote } from './repository-ddl.js';
import type { RepositoryEventPublisher } from './repository-options.js';
import { trailTables } from './repository-tables.js';
import { allFields } from './row-codec.js';

type Definition = RepositoryDefinition<object, string, unknown>;

/** What every operation of one repository shares: the definition, its statements, its settings. */
export interface RepositoryContext {
  readonly definition: Definition;
  readonly sql: Sql;
  readonly dialect: SqlDialect;
  readonly fail: Failures;
  /** The id's field name, then each unique field's: what a `DUPLICATE` may be about. */
  readonly keys: readonly string[];
  /** Every column read, in row order. */
  readonly columns: readonly FieldLayout[];
  /** The entity's own fields by name. */
  readonly fieldsByName: ReadonlyMap<string, FieldLayout>;
  readonly statements: Statements;
  readonly tables: { readonly audit: string; readonly versions: string };
  readonly events: RepositoryEventPublisher | undefined;
  readonly clock: Clock;
  readonly logger: KeelLogger;
  readonly cursorKey: string;
  /** The changes need a transaction of their own: they write more than one statement. */
  readonly trailed: boolean;
}

export interface ContextSettings {
  readonly events: RepositoryEventPublisher | undefined;
  readonly tablePrefix: string;
  readonly clock: Clock;
  readonly cursorSecret: string | undefined;
  readonly logger: KeelLogger;
}

export function repositoryContext(sql: Sql, definition: Definition, settings: ContextSettings): RepositoryContext {
  const dialect = sql.capabilities.dialect;
  const columns = allFields(definition);
  return {
    definition,
    sql,
    dialect,
    fail: failures(definition.entity),
    keys: [definition.id, ...new Set(definition.unique.flat())],
    columns,
    fieldsByName: new Map(definition.fields.map((f) => [f.name, f])),
    statements: statements(definition, dialect, columns),
    tables: trailTables(settings.tablePrefix),
    events: settings.events,
    clock: settings.clock,
    logger: settings.logger,
    cursorKey: `${settings.cursorSecret ?? ''}\u0000${definition.table}\u0000${columns.map((c) => `${c.name}:${c.kind}`).join(',')}`,
    trailed: definition.audit || definition.versions || settings.events !== undefined,
  };
}

/** The SQL of one repository, written once. */
export interface Statements {
  readonly selectList: string;
  readonly from: string;
  /** Reads one entity by key; `live` skips soft-deleted ones, `lock` holds it to the transaction's end. */
  byId(live: boolean, lock: boolean): string;
  readonly insert: string;
  /** Sets the given fields' columns, `version` and `updated_at` where the key and `version` match. */
  update(changed: readonly FieldLayout[]): string;
  readonly softDelete: string;
  readonly restore: string;
  readonly remove: string;
}

function statements(definition: Definition, dialect: SqlDialect, columns: readonly FieldLayout[]): Statements {
  const table = quote(definition.table);
  const id = quote((definition.fields[0] as FieldLayout).column);
  const keyed = definition.tenantScoped ? `"tenant_id" = ? AND ${id} = ?` : `${id} = ?`;
  const selectList = columns.map((c) => quote(c.column)).join(', ');
  const lockClause = dialect === 'postgres' ? ' FOR UPDATE' : '';
  const byIdText = (live: boolean, lock: boolean) =>
    `SELECT ${selectList} FROM ${table} WHERE ${keyed}${live && definition.softDelete ? ' AND "deleted_at" IS NULL' : ''}${lock ? lockClause : ''}`;
  // Indexed by live + 2 × lock: written once, looked up on every read.
  const byId = [byIdText(false, false), byIdText(true, false), byIdText(false, true), byIdText(true, true)];
  const updates = new Map<string, string>();
  const insertColumns = [
    ...(definition.tenantScoped ? ['"tenant_id"'] : []),
    ...definition.fields.map((f) => quote(f.column)),
    '"version"',
    '"created_at"',
    '"updated_at"',
  ];
  return {
    selectList,
    from: table,
    byId: (live, lock) => byId[(live ? 1 : 0) + (lock ? 2 : 0)] as string,
    insert: `INSERT INTO ${table} (${insertColumns.join(', ')}) VALUES (${insertColumns.map(() => '?').join(', ')})`,
    update(changed) {
      let key = '';
      for (const f of changed) key += `${f.column},`;
      let text = updates.get(key);
      if (text === undefined) {
        const sets = [...changed.map((f) => `${quote(f.column)} = ?`), '"version" = ?', '"updated_at" = ?'];
        text = `UPDATE ${table} SET ${sets.join(', ')} WHERE ${keyed} AND "version" = ?`;
        if (updates.size < 256) updates.set(key, text);
      }
      return text;
    },
    softDelete: `UPDATE ${table} SET "deleted_at" = ?, "deleted_by" = ?, "version" = ?, "updated_at" = ? WHERE ${keyed} AND "version" = ?`,
    restore: `UPDATE ${table} SET "deleted_at" = NULL, "deleted_by" = NULL, "version" = ?, "updated_at" = ? WHERE ${keyed} AND "version" = ?`,
    remove: `DELETE FROM ${table} WHERE ${keyed} AND "version" = ?`,
  };
}

/** The key parameters of an entity: `[tenant, id]` or `[id]`. */
export function keyParams(context: RepositoryContext, tenant: string, id: SqlValue): SqlValue[] {
  return context.definition.tenantScoped ? [tenant, id] : [id];
}
