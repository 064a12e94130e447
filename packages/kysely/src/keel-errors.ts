import { type Result, SqlError, type SqlErrorCode } from '@keel/core';

/** Errors raised by the dialect itself (not by the database) name it as their adapter. */
const adapter = 'kysely';

/**
 * Kysely expects failures to be thrown: the value of an `Ok`, or the `SqlError` itself, so that
 * `e instanceof SqlError && e.code === 'CONSTRAINT_VIOLATION'` works in the app.
 *
 * @example
 * const result = unwrap(await sql.query('SELECT 1'));
 */
export function unwrap<T>(result: Result<T, SqlError>): T {
  if (result.isErr()) throw result.error;
  return result.value;
}

/**
 * A `SqlError` raised before anything reaches the database.
 *
 * @example
 * throw dialectError('TRANSACTION', 'SQLite has no read-only transactions', 'begin');
 */
export function dialectError(code: SqlErrorCode, message: string, op: string): SqlError {
  return new SqlError({ code, message, adapter, op });
}
