import { type Migration, type Migrator, type Sql, type SqlDialect, createMigrator } from '@keel/core';
import { columnType } from './field-kinds.js';
import { quote } from './repository-ddl.js';

/** The names of the audit and versions tables for a prefix. */
export function trailTables(prefix: string): { readonly audit: string; readonly versions: string } {
  return { audit: `${prefix}audit`, versions: `${prefix}versions` };
}

/**
 * The history of the tables the package owns, shared by every repository on a database:
 *
 * `<prefix>audit` — one row per change: `id` (ascending), `entity`, `entity_id` (the id as text),
 * `tenant_id` (`''` when not tenant-scoped), `operation` (`create`, `update`, `delete`, `restore`,
 * `revert`, `purge`), `version` (the entity's version after the change), `changes` (JSON:
 * `{ field: { old, new } }`), `actor`, `correlation_id` (from `currentContext()`), `at`.
 *
 * `<prefix>versions` — one immutable snapshot per version: `entity`, `tenant_id`, `entity_id`,
 * `version` (the key), `operation`, `data` (JSON: every field, `version`, `createdAt`,
 * `updatedAt`, and `deletedAt`/`deletedBy` with soft delete), `actor`, `correlation_id`, `at`.
 */
export function trailMigrations(prefix: string): Migration[] {
  const { audit, versions } = trailTables(prefix);
  const script = (dialect: SqlDialect) => {
    const text = columnType('text', dialect);
    const json = columnType('json', dialect);
    const time = columnType('timestamp', dialect);
    const serial = dialect === 'postgres' ? 'BIGINT GENERATED ALWAYS AS IDENTITY' : 'INTEGER';
    const strict = dialect === 'sqlite' ? ' STRICT' : '';
    return `CREATE TABLE ${quote(audit)} (
  "id" ${serial} PRIMARY KEY,
  "entity" ${text} NOT NULL,
  "entity_id" ${text} NOT NULL,
  "tenant_id" ${text} NOT NULL,
  "operation" ${text} NOT NULL,
  "version" ${columnType('integer', dialect)} NOT NULL,
  "changes" ${json} NOT NULL,
  "actor" ${text},
  "correlation_id" ${text},
  "at" ${time} NOT NULL
)${strict};
CREATE INDEX ${quote(`${audit}_entity`)} ON ${quote(audit)} ("entity", "tenant_id", "entity_id", "id");
CREATE INDEX ${quote(`${audit}_actor`)} ON ${quote(audit)} ("actor", "at");
CREATE INDEX ${quote(`${audit}_at`)} ON ${quote(audit)} ("at");
CREATE TABLE ${quote(versions)} (
  "entity" ${text} NOT NULL,
  "tenant_id" ${text} NOT NULL,
  "entity_id" ${text} NOT NULL,
  "version" ${columnType('integer', dialect)} NOT NULL,
  "operation" ${text} NOT NULL,
  "data" ${json} NOT NULL,
  "actor" ${text},
  "correlation_id" ${text},
  "at" ${time} NOT NULL,
  PRIMARY KEY ("entity", "tenant_id", "entity_id", "version")
)${strict};
`;
  };
  return [
    {
      version: 1,
      name: 'create audit and versions',
      up: { sqlite: script('sqlite'), postgres: script('postgres') },
      down: `DROP TABLE ${quote(versions)};\nDROP TABLE ${quote(audit)};`,
    },
  ];
}

/**
 * The migrator of the package's own tables (audit trail and version snapshots), under scope
 * `keel-repository` (`keel-repository:<prefix>` for another prefix). Run `up()` once at start,
 * before the first audited or versioned write.
 *
 * @example
 * const migrated = await createRepositoryMigrator(keel.sql).up();
 */
export function createRepositoryMigrator(sql: Sql, options: { readonly tablePrefix?: string } = {}): Migrator {
  const prefix = checkPrefix(options.tablePrefix, 'createRepositoryMigrator');
  return createMigrator(sql, {
    migrations: trailMigrations(prefix),
    scope: prefix === defaultTablePrefix ? 'keel-repository' : `keel-repository:${prefix}`,
  });
}

export const defaultTablePrefix = 'keel_repository_';

/** The prefix, checked: a mistake throws. */
export function checkPrefix(prefix: unknown, where: string): string {
  if (prefix === undefined) return defaultTablePrefix;
  if (typeof prefix !== 'string' || !/^[a-z_][a-z0-9_]{0,40}$/.test(prefix))
    throw new TypeError(
      `${where}: tablePrefix must be lower-case letters, digits and _ (at most 41), got ${JSON.stringify(prefix)}`,
    );
  return prefix;
}
