import { PostgresAdapter } from 'kysely';
import type { KeelBackend } from './keel-backend.js';
import { KeelPostgresIntrospector } from './postgres-introspector.js';
import { KeelPostgresQueryCompiler } from './postgres-query-compiler.js';

/**
 * PostgreSQL through kysely's PostgreSQL adapter and introspector (its flags made booleans again),
 * with a compiler that writes `?` placeholders. Transaction settings become `SET TRANSACTION`, the first statement inside
 * the Keel transaction (PostgreSQL refuses it anywhere later).
 */
export const postgresBackend: KeelBackend = {
  createAdapter: () => new PostgresAdapter(),
  createIntrospector: (db) => new KeelPostgresIntrospector(db),
  createQueryCompiler: () => new KeelPostgresQueryCompiler(),
  transactionSettings({ isolationLevel, accessMode }) {
    const parts = [
      ...(isolationLevel === undefined ? [] : [`isolation level ${isolationLevel}`]),
      ...(accessMode === undefined ? [] : [accessMode]),
    ];
    return parts.length === 0 ? undefined : `set transaction ${parts.join(' ')}`;
  },
};
