import { SqlError, type SqlConstraintKind, type SqlErrorCode } from '@keel/core';

export const adapter = 'postgres';

/** An error PostgreSQL itself sent (pg's `DatabaseError`): it carries a SQLSTATE. */
export interface ServerError extends Error {
  readonly code: string;
  readonly severity?: string;
  readonly constraint?: string;
  readonly table?: string;
  readonly column?: string;
}

export function isServerError(thrown: unknown): thrown is ServerError {
  return (
    thrown instanceof Error &&
    typeof (thrown as ServerError).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((thrown as ServerError).code) &&
    'severity' in thrown
  );
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
 * Turns what pg threw into a `SqlError`. An error the server sent maps by its SQLSTATE:
 *
 * | SQLSTATE | SqlError |
 * |---|---|
 * | `23505` | `CONSTRAINT_VIOLATION`, `primary-key` when the constraint's name ends `_pkey`, else `unique` |
 * | `23503` / `23502` / `23514` / other `23…` | `CONSTRAINT_VIOLATION`: `foreign-key` / `not-null` / `check` / `other` |
 * | `40001`, `40P01`, `55P03` | `BUSY` (serialization failure, deadlock, lock not available: retry) |
 * | `08…`, `57P01`–`57P03`, `53300` | `CONNECTION` |
 * | `42501`, `25006` | `ACCESS_DENIED` |
 * | `25P02` | `TRANSACTION` (an earlier statement failed; only a rollback helps) |
 * | anything else (syntax, unknown table, `57014` statement timeout, …) | `QUERY` |
 *
 * Anything else pg throws comes from the connection (refused, reset, ended): `CONNECTION`.
 * The original error is the `cause`.
 */
export function toPostgresError(thrown: unknown, op: string): SqlError {
  if (thrown instanceof SqlError) return thrown;
  if (!isServerError(thrown)) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return sqlError('CONNECTION', `the connection to PostgreSQL failed: ${message}`, op, thrown);
  }
  const state = thrown.code;
  if (state.startsWith('23')) {
    let constraint = constraintKinds[state] ?? 'other';
    if (constraint === 'unique' && thrown.constraint?.endsWith('_pkey')) constraint = 'primary-key';
    return new SqlError({
      code: 'CONSTRAINT_VIOLATION',
      constraint,
      message: thrown.message,
      adapter,
      op,
      cause: thrown,
    });
  }
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
