import type { Sql, SqlDialect } from '@keel/core';
import type { Dialect } from 'kysely';
import type { KeelBackend } from './keel-backend.js';
import { KeelDriver } from './keel-driver.js';
import { postgresBackend } from './postgres-backend.js';
import { sqliteBackend } from './sqlite-backend.js';

const backends: Record<SqlDialect, KeelBackend> = { sqlite: sqliteBackend, postgres: postgresBackend };

/**
 * A kysely dialect for any Keel sql adapter: it asks `sql.capabilities.dialect` which SQL to
 * write and runs everything through the contract, so errors are Keel's `SqlError`s (thrown, as
 * kysely expects) and `db.destroy()` leaves `keel.sql` open for the rest of the app.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: keelDialect(keel.sql) });
 * const people = await db.selectFrom('person').selectAll().execute();
 */
export function keelDialect(sql: Sql): Dialect {
  const backend = backends[sql.capabilities.dialect];
  if (!backend)
    throw new TypeError(
      `@keel/kysely: no kysely dialect for sql dialect ${String(sql.capabilities.dialect)} (supported: ${Object.keys(backends).join(', ')})`,
    );
  return {
    createDriver: () => new KeelDriver(sql, backend),
    createAdapter: () => backend.createAdapter(),
    createIntrospector: (db) => backend.createIntrospector(db),
    createQueryCompiler: () => backend.createQueryCompiler(),
  };
}
