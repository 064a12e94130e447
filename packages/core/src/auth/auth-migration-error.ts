import type { MigrationError } from '../migrations/migration-errors.js';
import { AuthError } from './auth-errors.js';

/**
 * An auth adapter's tables could not be migrated at open: `UNAVAILABLE` when the database is
 * down or busy (a retry may work), else `INTERNAL`, naming the tables.
 */
export function authMigrationError(error: MigrationError, tables: string): AuthError {
  const down =
    error.code === 'SQL' &&
    ['CONNECTION', 'BUSY', 'NOT_OPEN'].includes((error.cause as { code?: string } | undefined)?.code ?? '');
  return new AuthError({
    code: down ? 'UNAVAILABLE' : 'INTERNAL',
    message: `migrating the ${tables} tables: ${error.message}`,
    cause: error,
  });
}
