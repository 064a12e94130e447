import { SqlError, type SqlConstraintKind, type SqlErrorCode } from '@keel/core';

export const adapter = 'sqlite';

const constraintKinds: Readonly<Record<string, SqlConstraintKind>> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'primary-key',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign-key',
  SQLITE_CONSTRAINT_NOTNULL: 'not-null',
  SQLITE_CONSTRAINT_CHECK: 'check',
};

/** Result codes (primary, without the extended suffix) that mean the storage itself failed. */
const connectionCodes = new Set([
  'SQLITE_CANTOPEN',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_NOLFS',
  'SQLITE_PROTOCOL',
]);
const accessCodes = new Set(['SQLITE_READONLY', 'SQLITE_PERM', 'SQLITE_AUTH']);

/**
 * Turns what better-sqlite3 threw into a `SqlError`: the SQLite result code picks the code (and
 * the constraint kind), and the original error, with its `code` and message, is the `cause`.
 *
 * | SQLite | SqlError |
 * |---|---|
 * | `SQLITE_CONSTRAINT_*` | `CONSTRAINT_VIOLATION` with `constraint` |
 * | `SQLITE_BUSY*`, `SQLITE_LOCKED*` | `BUSY` |
 * | `SQLITE_READONLY*`, `SQLITE_PERM`, `SQLITE_AUTH` | `ACCESS_DENIED` |
 * | `SQLITE_CANTOPEN`, `SQLITE_NOTADB`, `SQLITE_CORRUPT`, `SQLITE_IOERR*`, `SQLITE_FULL`, … | `CONNECTION` |
 * | any other `SQLITE_*` (syntax, no such table, …) | `QUERY` |
 * | better-sqlite3's `RangeError`/`TypeError` about parameters | `INVALID_PARAMETER` |
 */
export function toSqliteError(thrown: unknown, op: string): SqlError {
  if (thrown instanceof SqlError) return thrown;
  const error = thrown as { code?: unknown; message?: unknown; name?: unknown } | undefined;
  const message = typeof error?.message === 'string' ? error.message : String(thrown);
  const sqliteCode = typeof error?.code === 'string' && error.code.startsWith('SQLITE_') ? error.code : undefined;
  if (sqliteCode) {
    const primary = primaryCode(sqliteCode);
    if (primary === 'SQLITE_CONSTRAINT') {
      const constraint = constraintKinds[sqliteCode] ?? 'other';
      return new SqlError({ code: 'CONSTRAINT_VIOLATION', constraint, message, adapter, op, cause: thrown });
    }
    return sqlError(codeFor(primary), message, op, thrown);
  }
  if (thrown instanceof RangeError || thrown instanceof TypeError) {
    // better-sqlite3 checks parameters itself ("Too few parameter values were provided",
    // "Missing named parameter", "can only bind …") and statement text ("contains more than one statement").
    if (/param|bind|bound/i.test(message)) return sqlError('INVALID_PARAMETER', message, op, thrown);
    if (/statement|SQL string|return data/i.test(message)) return sqlError('QUERY', message, op, thrown);
  }
  return sqlError('INTERNAL', `sqlite failed in ${op}: ${message}`, op, thrown);
}

export function sqlError(code: SqlErrorCode, message: string, op: string, cause?: unknown): SqlError {
  return new SqlError({ code, message, adapter, op, ...(cause === undefined ? {} : { cause }) });
}

function codeFor(primary: string): SqlErrorCode {
  if (primary === 'SQLITE_BUSY' || primary === 'SQLITE_LOCKED') return 'BUSY';
  if (accessCodes.has(primary)) return 'ACCESS_DENIED';
  if (connectionCodes.has(primary)) return 'CONNECTION';
  return 'QUERY';
}

/** `SQLITE_IOERR_SHORT_READ` → `SQLITE_IOERR`; extended codes add one `_SUFFIX` to the primary. */
function primaryCode(code: string): string {
  const second = code.indexOf('_', 'SQLITE_'.length);
  return second === -1 ? code : code.slice(0, second);
}
