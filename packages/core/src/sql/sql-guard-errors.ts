import type { GuardErrors } from '../lifecycle/guarded-call.js';
import { SqlError } from './sql-errors.js';

/** How the sql guard turns throws into `SqlError`s for one adapter. */
export function sqlGuardErrors(adapter: string): GuardErrors<SqlError> {
  return {
    fromThrown: (thrown, op) => toSqlError(thrown, adapter, op),
    notOpen: (op) => new SqlError({ code: 'NOT_OPEN', message: `sql adapter '${adapter}' is closed`, adapter, op }),
  };
}

export function toSqlError(thrown: unknown, adapter: string, op: string): SqlError {
  if (thrown instanceof SqlError) {
    if (thrown.adapter === adapter && thrown.op === op) return thrown;
    return new SqlError({
      code: thrown.code,
      message: thrown.message,
      adapter,
      op,
      cause: thrown.cause,
      ...(thrown.constraint === undefined ? {} : { constraint: thrown.constraint }),
    });
  }
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new SqlError({ code: 'INTERNAL', message: `sql adapter '${adapter}' failed in ${op}: ${message}`, adapter, op, cause: thrown });
}
