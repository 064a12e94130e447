import Database from 'better-sqlite3';
import { sqlError, toSqliteError } from './sqlite-errors.js';
import type { ResolvedSqliteSqlOptions } from './sqlite-options.js';

/**
 * Opens the database and applies the options' pragmas. Any failure — a missing folder, a file
 * that is not a database, a locked file — is a `CONNECTION` error, and nothing stays open.
 */
export function openDatabase(options: ResolvedSqliteSqlOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(options.filename, {
      readonly: options.readonly,
      fileMustExist: options.fileMustExist,
      timeout: options.busyTimeoutMs,
      ...(options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding }),
    });
    db.defaultSafeIntegers(true);
    if (!options.memory && !options.readonly) db.pragma(`journal_mode = ${options.journalMode}`);
    db.pragma(`synchronous = ${options.synchronous}`);
    db.pragma(`foreign_keys = ${options.foreignKeys ? 'ON' : 'OFF'}`);
    for (const [name, value] of options.pragmas) db.pragma(`${name} = ${value}`);
    return db;
  } catch (thrown) {
    db?.close();
    const cause = toSqliteError(thrown, 'open');
    const message = `cannot open sqlite database '${options.filename}': ${cause.message}`;
    // A lock held by another process while switching to WAL is worth a retry, so it stays BUSY.
    throw sqlError(cause.code === 'BUSY' ? 'BUSY' : 'CONNECTION', message, 'open', thrown);
  }
}

/** What `health()` reports: a real read of the file's header, and where the connection stands. */
export function healthDetail(db: Database.Database, options: ResolvedSqliteSqlOptions, extra: Record<string, unknown>) {
  return {
    filename: options.filename,
    journalMode: db.pragma('journal_mode', { simple: true }),
    synchronous: options.synchronous,
    pageCount: Number(db.pragma('page_count', { simple: true })),
    pageSize: Number(db.pragma('page_size', { simple: true })),
    ...extra,
  };
}
