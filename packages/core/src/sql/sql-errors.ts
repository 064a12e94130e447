import { KeelError, type KeelErrorInit } from '../errors/keel-error.js';
import type { SqlConstraintKind } from './sql-contract.js';

/** Mirrors the cases of WIT `sql.error`, in UPPER_SNAKE. Codes are stable; messages are not. */
export type SqlErrorCode =
  | 'CONNECTION'
  | 'QUERY'
  | 'CONSTRAINT_VIOLATION'
  | 'BUSY'
  | 'TRANSACTION'
  | 'INVALID_PARAMETER'
  | 'NOT_OPEN'
  | 'ACCESS_DENIED'
  | 'INTERNAL';

export interface SqlErrorInit extends KeelErrorInit<SqlErrorCode> {
  /** Which constraint failed; set exactly when `code` is `CONSTRAINT_VIOLATION`. */
  readonly constraint?: SqlConstraintKind;
}

/**
 * The error of every sql operation. The engine's own error (with its native code) is `cause`.
 *
 * @example
 * const r = await sql.execute('INSERT INTO users (email) VALUES (?)', [email]);
 * if (r.isErr() && r.error.constraint === 'unique') return conflict('email taken');
 */
export class SqlError extends KeelError<SqlErrorCode> {
  override readonly name = 'SqlError';
  readonly constraint?: SqlConstraintKind;

  constructor(init: SqlErrorInit) {
    super(init);
    if (init.constraint !== undefined) this.constraint = init.constraint;
  }
}
