import { toInterfaceError } from '../errors/to-interface-error.js';
import type { SyncGuardErrors } from '../lifecycle/guarded-call-sync.js';
import { SqlError } from './sql-errors.js';

/** How the sql guard turns throws into `SqlError`s for one adapter. */
export function sqlGuardErrors(adapter: string): SyncGuardErrors<SqlError> {
  return {
    fromThrown: (thrown, op) => toInterfaceError(SqlError, 'sql', thrown, adapter, op),
    notOpen: (op) => new SqlError({ code: 'NOT_OPEN', message: `sql adapter '${adapter}' is closed`, adapter, op }),
    busy: (op, message) => new SqlError({ code: 'BUSY', message: `sql adapter '${adapter}': ${message}`, adapter, op }),
  };
}
