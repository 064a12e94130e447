import { SqlError, type SqlConstraintKind, type SqlErrorCode } from '@keel/core';
import { PostgresError } from 'postgres';

export const adapter = 'postgres';

/** An error PostgreSQL itself sent (postgres.js' `PostgresError`): it carries a SQLSTATE. */
export interface ServerError extends Error {
  readonly code: string;
  readonly severity?: string;
  readonly constraint_name?: string;
  readonly table_name?: string;
  readonly column_name?: string;
  /** The server's function that raised it. */
  readonly routine?: string;
}

export function isServerError(thrown: unknown): thrown is ServerError {
  return thrown instanceof PostgresError && typeof (thrown as ServerError).code === 'string';
}

const constraintKinds: Readonly<Record<string, SqlConstraintKind>> = {
  '23505': 'unique',
  '23503': 'foreign-key',
  '23502': 'not-null',
  '23514': 'check',
};

/** Serialization failure, deadlock, lock not available: the work can succeed if tried again. */
const busyStates = new Set(['40001', '40P01', '55P03']);
/** Admin shutdown, crash shutdown, cannot connect now (the server is starting or stopping). */
const connectionStates = new Set(['57P01', '57P02', '57P03', '53300']);
/**
 * postgres.js' own codes that are not about the connection (all others are: closed, ended,
 * timed out, refused, TLS, authentication).
 */
const driverCodes: Readonly<Record<string, SqlErrorCode>> = {
  MAX_PARAMETERS_EXCEEDED: 'INVALID_PARAMETER',
  UNDEFINED_VALUE: 'INVALID_PARAMETER',
  UNSAFE_TRANSACTION: 'TRANSACTION',
  TRANSACTION_ROLLED_BACK: 'TRANSACTION',
  '57014': 'QUERY', // a cancel of Keel's own, before the server answered
};

/**
 * Turns what postgres.js threw into a `SqlError`. An error the server sent maps by its SQLSTATE:
 *
 * | SQLSTATE | SqlError |
 * |---|---|
 * | `23505` | `CONSTRAINT_VIOLATION`, `primary-key` when the constraint's name ends `_pkey`, else `unique` |
 * | `23503` / `23502` / `23514` / other `23…` | `CONSTRAINT_VIOLATION`: `foreign-key` / `not-null` / `check` / `other` |
 * | `40001`, `40P01`, `55P03` | `BUSY` (serialization failure, deadlock, lock not available: retry) |
 * | `0A000` from `RevalidateCachedQuery` | `BUSY` (a prepared statement's result type changed in a transaction) |
 * | `08…`, `57P01`–`57P03`, `53300` | `CONNECTION` |
 * | `42501`, `25006` | `ACCESS_DENIED` |
 * | `25P02` | `TRANSACTION` (an earlier statement failed; only a rollback helps) |
 * | anything else (syntax, unknown table, `57014` statement timeout, …) | `QUERY` |
 *
 * postgres.js' own errors map by their code (`MAX_PARAMETERS_EXCEEDED` → `INVALID_PARAMETER`, …);
 * anything else it throws comes from the connection (refused, reset, closed, timed out):
 * `CONNECTION`. The original error is the `cause`.
 */
export function toPostgresError(thrown: unknown, op: string): SqlError {
  if (thrown instanceof SqlError) return thrown;
  if (!isServerError(thrown)) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    const code = driverCodes[(thrown as { code?: string } | undefined)?.code ?? ''];
    if (code !== undefined) return sqlError(code, message, op, thrown);
    // A connection the server ended says why in its cause (`terminating connection due to administrator command`).
    const cause = (thrown as { cause?: unknown } | undefined)?.cause;
    const why = cause instanceof Error ? ` (${cause.message})` : '';
    return sqlError('CONNECTION', `the connection to PostgreSQL failed: ${message}${why}`, op, thrown);
  }
  const state = thrown.code;
  if (state.startsWith('23')) {
    let constraint = constraintKinds[state] ?? 'other';
    if (constraint === 'unique' && thrown.constraint_name?.endsWith('_pkey')) constraint = 'primary-key';
    return new SqlError({
      code: 'CONSTRAINT_VIOLATION',
      constraint,
      message: thrown.message,
      adapter,
      op,
      cause: thrown,
    });
  }
  if (state === '0A000' && thrown.routine === 'RevalidateCachedQuery')
    return sqlError(
      'BUSY',
      `${thrown.message}: a column's type changed since this statement was prepared; roll back and try again (it is prepared afresh)`,
      op,
      thrown,
    );
  return sqlError(codeFor(state), messageFor(state, thrown.message), op, thrown);
}

export function sqlError(code: SqlErrorCode, message: string, op: string, cause?: unknown): SqlError {
  return new SqlError({ code, message, adapter, op, ...(cause === undefined ? {} : { cause }) });
}

function codeFor(state: string): SqlErrorCode {
  if (busyStates.has(state)) return 'BUSY';
  if (state.startsWith('08') || connectionStates.has(state)) return 'CONNECTION';
  if (state === '42501' || state === '25006') return 'ACCESS_DENIED';
  if (state === '25P02') return 'TRANSACTION';
  return 'QUERY';
}

function messageFor(state: string, message: string): string {
  if (state === '25P02')
    return `${message}: an earlier statement in it failed; roll it back (or back to a savepoint) and try again`;
  if (busyStates.has(state))
    return `${message} (SQLSTATE ${state}): another transaction got in the way; roll back and try again`;
  return message;
}
