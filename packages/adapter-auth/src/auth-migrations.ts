import { createMigrator, type Migration, type MigrationReport, type Sql } from '@keel/core';
import { authMigrationError } from '@keel/core/adapter';

/**
 * The tables the adapter needs, as migrations for core's migrator, one script per dialect.
 * Emails are stored lower-cased, so the unique index is case-insensitive in effect; roles are a
 * JSON array in text; one-time tokens are stored only as hashes; times are milliseconds since
 * the epoch (BIGINT on PostgreSQL, whose INTEGER is 32-bit); `email_verified` is 0 or 1.
 *
 * @example
 * // With `migrate: false`, apply them yourself, e.g. from a deploy step:
 * await createMigrator(sql, { migrations: authMigrations('auth_'), scope: authMigrationScope('auth_') }).up();
 */
export function authMigrations(prefix: string): Migration[] {
  return [
    {
      version: 1,
      name: 'users, identities and one-time tokens',
      up: {
        // Byte for byte as first shipped (the migrator checksums applied scripts; a test pins it).
        sqlite: firstSchema(prefix, 'INTEGER'),
        // Millisecond times outgrow PostgreSQL's 32-bit INTEGER.
        postgres: firstSchema(prefix, 'BIGINT'),
      },
      down: `DROP TABLE ${prefix}tokens; DROP TABLE ${prefix}identities; DROP TABLE ${prefix}users;`,
    },
  ];
}

/** The first schema, with `time` as the type of its millisecond timestamp columns. */
function firstSchema(p: string, time: 'INTEGER' | 'BIGINT'): string {
  return `
        CREATE TABLE ${p}users (
          id TEXT PRIMARY KEY,
          email TEXT NOT NULL UNIQUE,
          email_verified INTEGER NOT NULL DEFAULT 0,
          password_hash TEXT,
          roles TEXT NOT NULL DEFAULT '[]',
          created_at ${time} NOT NULL,
          updated_at ${time} NOT NULL
        );
        CREATE TABLE ${p}identities (
          provider TEXT NOT NULL,
          subject TEXT NOT NULL,
          user_id TEXT NOT NULL REFERENCES ${p}users(id) ON DELETE CASCADE,
          created_at ${time} NOT NULL,
          PRIMARY KEY (provider, subject)
        );
        CREATE INDEX ${p}identities_user ON ${p}identities(user_id);
        CREATE TABLE ${p}tokens (
          hash TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          user_id TEXT NOT NULL REFERENCES ${p}users(id) ON DELETE CASCADE,
          expires_at ${time} NOT NULL,
          created_at ${time} NOT NULL
        );
        CREATE INDEX ${p}tokens_user ON ${p}tokens(user_id, kind);
      `;
}

/** The migrator scope of one table prefix, so that two auth schemas in one database keep separate histories. */
export function authMigrationScope(prefix: string): string {
  return `keel-auth:${prefix}`;
}

/** Applies the pending auth migrations with core's migrator (each once, even from several processes). */
export async function migrateAuthSchema(sql: Sql, prefix: string): Promise<MigrationReport> {
  const migrated = await createMigrator(sql, {
    migrations: authMigrations(prefix),
    scope: authMigrationScope(prefix),
  }).up();
  if (migrated.isOk()) return migrated.value;
  throw authMigrationError(migrated.error, 'auth');
}
