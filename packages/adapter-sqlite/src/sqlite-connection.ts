import Database from 'better-sqlite3';
import { createParentFolders, openFailure } from './sqlite-open-failure.js';
import type { ResolvedSqliteSqlOptions } from './sqlite-options.js';

/**
 * Only `:memory:` is an in-memory database: better-sqlite3 does not read SQLite URIs, so
 * `file::memory:` would be a file of that name.
 */
export function isMemory(filename: string): boolean {
  return filename === ':memory:';
}

/**
 * Opens the database and applies the options' pragmas, creating the file's missing parent
 * folders first (not when it is read-only or must exist). Any failure — a folder that cannot be
 * made, a file that is not a database, a lock — is a `CONNECTION` error (`BUSY` for a lock)
 * saying why, and nothing stays open.
 *
 * @example
 * const db = openDatabase(parseOptions(sqliteSqlOptions, { filename: './data/app.db' }, 'open'));
 */
export function openDatabase(options: ResolvedSqliteSqlOptions): Database.Database {
  const memory = isMemory(options.filename);
  if (!memory && !options.readonly && !options.fileMustExist) createParentFolders(options.filename);
  let db: Database.Database | undefined;
  try {
    db = new Database(options.filename, {
      readonly: options.readonly,
      fileMustExist: options.fileMustExist,
      timeout: options.busyTimeoutMs,
      ...(options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding }),
    });
    db.defaultSafeIntegers(true);
    if (!memory && !options.readonly) db.pragma(`journal_mode = ${options.journalMode}`);
    db.pragma(`synchronous = ${options.synchronous}`);
    db.pragma(`foreign_keys = ${options.foreignKeys ? 'ON' : 'OFF'}`);
    for (const [name, value] of Object.entries(options.pragmas)) {
      if (value !== undefined) db.pragma(`${name} = ${value}`);
    }
    return db;
  } catch (thrown) {
    db?.close();
    throw openFailure(options, thrown);
  }
}

/**
 * What `health()` reports: a real read of the file's header, and where the connection stands.
 *
 * @example
 * healthDetail(db, options, { transactionOpen: false, waiting: 0, cachedStatements: 3 });
 */
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
