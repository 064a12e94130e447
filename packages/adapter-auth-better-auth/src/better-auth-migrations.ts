import { createMigrator, type Migration, type Sql } from '@keel/core';
import { authMigrationError } from '@keel/core/adapter';

/**
 * better-auth's four tables (its core schema plus the `role` field this adapter adds), as
 * migrations for core's migrator, one script per dialect. The column names are better-auth's
 * own (camelCase, quoted). Keel's sql contract has no boolean or date values, so booleans are
 * 0/1 and times ISO 8601 text on SQLite; PostgreSQL keeps `BOOLEAN` and `TIMESTAMPTZ`, which
 * Keel reads back as 1/0 and ISO text — the same values, which better-auth is told to expect.
 *
 * @example
 * await createMigrator(sql, { migrations: betterAuthMigrations('ba_'), scope: betterAuthMigrationScope('ba_') }).up();
 */
export function betterAuthMigrations(prefix: string): Migration[] {
  return [
    {
      version: 1,
      name: 'better-auth: user, session, account, verification',
      up: {
        sqlite: schema(prefix, { bool: 'INTEGER', time: 'TEXT' }),
        postgres: schema(prefix, { bool: 'BOOLEAN', time: 'TIMESTAMPTZ' }),
      },
      down: `DROP TABLE "${prefix}verification"; DROP TABLE "${prefix}account"; DROP TABLE "${prefix}session"; DROP TABLE "${prefix}user";`,
    },
  ];
}

function schema(p: string, t: { bool: string; time: string }): string {
  return `
    CREATE TABLE "${p}user" (
      "id" TEXT PRIMARY KEY,
      "name" TEXT NOT NULL,
      "email" TEXT NOT NULL UNIQUE,
      "emailVerified" ${t.bool} NOT NULL,
      "image" TEXT,
      "role" TEXT,
      "createdAt" ${t.time} NOT NULL,
      "updatedAt" ${t.time} NOT NULL
    );
    CREATE TABLE "${p}session" (
      "id" TEXT PRIMARY KEY,
      "expiresAt" ${t.time} NOT NULL,
      "token" TEXT NOT NULL UNIQUE,
      "createdAt" ${t.time} NOT NULL,
      "updatedAt" ${t.time} NOT NULL,
      "ipAddress" TEXT,
      "userAgent" TEXT,
      "userId" TEXT NOT NULL REFERENCES "${p}user"("id") ON DELETE CASCADE
    );
    CREATE INDEX "${p}session_userId" ON "${p}session"("userId");
    CREATE TABLE "${p}account" (
      "id" TEXT PRIMARY KEY,
      "accountId" TEXT NOT NULL,
      "providerId" TEXT NOT NULL,
      "userId" TEXT NOT NULL REFERENCES "${p}user"("id") ON DELETE CASCADE,
      "accessToken" TEXT,
      "refreshToken" TEXT,
      "idToken" TEXT,
      "accessTokenExpiresAt" ${t.time},
      "refreshTokenExpiresAt" ${t.time},
      "scope" TEXT,
      "password" TEXT,
      "createdAt" ${t.time} NOT NULL,
      "updatedAt" ${t.time} NOT NULL
    );
    CREATE INDEX "${p}account_userId" ON "${p}account"("userId");
    CREATE TABLE "${p}verification" (
      "id" TEXT PRIMARY KEY,
      "identifier" TEXT NOT NULL,
      "value" TEXT NOT NULL,
      "expiresAt" ${t.time} NOT NULL,
      "createdAt" ${t.time} NOT NULL,
      "updatedAt" ${t.time} NOT NULL
    );
    CREATE INDEX "${p}verification_identifier" ON "${p}verification"("identifier");
  `;
}

/** The migrator scope of one table prefix. */
export function betterAuthMigrationScope(prefix: string): string {
  return `keel-better-auth:${prefix}`;
}

/** Applies the pending migrations with core's migrator (each once, even from several processes). */
export async function migrateBetterAuthSchema(sql: Sql, prefix: string): Promise<void> {
  const migrated = await createMigrator(sql, {
    migrations: betterAuthMigrations(prefix),
    scope: betterAuthMigrationScope(prefix),
  }).up();
  if (migrated.isErr()) throw authMigrationError(migrated.error, 'better-auth');
}
