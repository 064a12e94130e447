import { toInterfaceError } from '../errors/to-interface-error.js';
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
  return toInterfaceError(SqlError, 'sql', thrown, adapter, op);
}
