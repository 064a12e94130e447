import { createMigrator, type Migration, type MigrationReport, type Sql } from '@keel/core';
import { AuthError } from '@keel/core';

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
  const p = prefix;
  return [
    {
      version: 1,
      name: 'users, identities and one-time tokens',
      up: {
        // Byte for byte as first shipped: the migrator checksums applied scripts.
        sqlite: `
        CREATE TABLE ${p}users (
          id TEXT PRIMARY KEY,
          email TEXT NOT NULL UNIQUE,
          email_verified INTEGER NOT NULL DEFAULT 0,
          password_hash TEXT,
          roles TEXT NOT NULL DEFAULT '[]',
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE TABLE ${p}identities (
          provider TEXT NOT NULL,
          subject TEXT NOT NULL,
          user_id TEXT NOT NULL REFERENCES ${p}users(id) ON DELETE CASCADE,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (provider, subject)
        );
        CREATE INDEX ${p}identities_user ON ${p}identities(user_id);
        CREATE TABLE ${p}tokens (
          hash TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          user_id TEXT NOT NULL REFERENCES ${p}users(id) ON DELETE CASCADE,
          expires_at INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX ${p}tokens_user ON ${p}tokens(user_id, kind);
      `,
        postgres: `
        CREATE TABLE ${p}users (
          id TEXT PRIMARY KEY,
          email TEXT NOT NULL UNIQUE,
          email_verified INTEGER NOT NULL DEFAULT 0,
          password_hash TEXT,
          roles TEXT NOT NULL DEFAULT '[]',
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL
        );
        CREATE TABLE ${p}identities (
          provider TEXT NOT NULL,
          subject TEXT NOT NULL,
          user_id TEXT NOT NULL REFERENCES ${p}users(id) ON DELETE CASCADE,
          created_at BIGINT NOT NULL,
          PRIMARY KEY (provider, subject)
        );
        CREATE INDEX ${p}identities_user ON ${p}identities(user_id);
        CREATE TABLE ${p}tokens (
          hash TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          user_id TEXT NOT NULL REFERENCES ${p}users(id) ON DELETE CASCADE,
          expires_at BIGINT NOT NULL,
          created_at BIGINT NOT NULL
        );
        CREATE INDEX ${p}tokens_user ON ${p}tokens(user_id, kind);
      `,
      },
      down: `DROP TABLE ${p}tokens; DROP TABLE ${p}identities; DROP TABLE ${p}users;`,
    },
  ];
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
  const error = migrated.error;
  const down =
    error.code === 'SQL' &&
    ['CONNECTION', 'BUSY', 'NOT_OPEN'].includes((error.cause as { code?: string } | undefined)?.code ?? '');
  throw new AuthError({
    code: down ? 'UNAVAILABLE' : 'INTERNAL',
    message: `migrating the auth tables: ${error.message}`,
    cause: error,
  });
}
