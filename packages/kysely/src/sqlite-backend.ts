import { SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import type { KeelBackend } from './keel-backend.js';
import { dialectError } from './keel-errors.js';

/**
 * SQLite through kysely's SQLite adapter, introspector and compiler (which already writes `?`).
 * Its transactions are always serializable and read-write, so only those settings are accepted.
 */
export const sqliteBackend: KeelBackend = {
  createAdapter: () => new SqliteAdapter(),
  createIntrospector: (db) => new SqliteIntrospector(db),
  createQueryCompiler: () => new SqliteQueryCompiler(),
  transactionSettings({ isolationLevel, accessMode }) {
    if (isolationLevel !== undefined && isolationLevel !== 'serializable')
      throw dialectError(
        'TRANSACTION',
        `SQLite transactions are always serializable; isolation level ${isolationLevel} cannot be set`,
        'begin',
      );
    if (accessMode !== undefined && accessMode !== 'read write')
      throw dialectError(
        'TRANSACTION',
        `SQLite transactions are always read write; access mode ${accessMode} cannot be set`,
        'begin',
      );
    return undefined;
  },
};
