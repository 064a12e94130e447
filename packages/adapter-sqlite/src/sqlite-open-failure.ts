import { type Stats, accessSync, closeSync, constants, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SqlError } from '@keel/core';
import { sqlError, toSqliteError } from './sqlite-errors.js';
import type { ResolvedSqliteSqlOptions } from './sqlite-options.js';

/**
 * Creates the folders above a database file that are missing, as SQLite creates the file
 * itself. A folder that cannot be made is a `CONNECTION` error saying why.
 *
 * @example
 * createParentFolders('./data/tenants/acme.db'); // makes ./data/tenants when missing
 */
export function createParentFolders(filename: string): void {
  const folder = dirname(resolve(filename));
  try {
    mkdirSync(folder, { recursive: true });
  } catch (thrown) {
    const code = errno(thrown);
    const why =
      code === 'ENOTDIR' || code === 'EEXIST'
        ? (blockedAt(folder) ?? `its folder '${folder}' cannot be created (${code})`)
        : `its folder '${folder}' does not exist and cannot be created in '${nearestFolder(folder)}' (${code})`;
    throw sqlError('CONNECTION', `cannot open sqlite database '${filename}': ${why}`, 'open', thrown);
  }
}

/**
 * Why a database did not open, in words: SQLite's own `unable to open database file` names
 * neither the path nor the reason, so the file system is asked. The code stays what the
 * failure is (`BUSY` for a lock, worth a retry; `CONNECTION` for everything else), and what
 * better-sqlite3 threw is the `cause`.
 *
 * @example
 * try { db = new Database(filename); } catch (thrown) { throw openFailure(options, thrown); }
 */
export function openFailure(options: ResolvedSqliteSqlOptions, thrown: unknown): SqlError {
  const mapped = toSqliteError(thrown, 'open');
  const code = (thrown as { code?: unknown } | undefined)?.code;
  let why: string | undefined;
  if (mapped.code === 'BUSY') {
    why = `it is locked by another connection, which kept it past busyTimeoutMs (${options.busyTimeoutMs} ms)`;
  } else if (typeof code === 'string' && code.startsWith('SQLITE_NOTADB')) {
    why = 'the file is not a SQLite database (or it is encrypted)';
  } else if (options.filename !== ':memory:') {
    why = fileProblem(options);
  }
  const message = `cannot open sqlite database '${options.filename}': ${why ?? mapped.message}`;
  return sqlError(mapped.code === 'BUSY' ? 'BUSY' : 'CONNECTION', message, 'open', thrown);
}

/** What stops this process from opening the file, found by asking the file system the same questions SQLite did. */
function fileProblem({ filename, readonly, fileMustExist }: ResolvedSqliteSqlOptions): string | undefined {
  const file = resolve(filename);
  const folder = dirname(file);
  const stats = statOrCode(file);
  if (typeof stats !== 'string') {
    if (stats.isDirectory()) return `'${file}' is a folder, not a database file`;
    const denied = tryAccess(file, readonly ? constants.R_OK : constants.R_OK | constants.W_OK);
    if (denied) return `this process may not ${readonly ? 'read' : 'write'} the file '${file}' (${denied})`;
    const folderDenied = readonly ? undefined : tryCreate(folder);
    if (folderDenied) return `its folder '${folder}' is not writable (${folderDenied}); SQLite keeps its journal there`;
    return undefined;
  }
  if (stats !== 'ENOENT') return blockedAt(folder) ?? `the file '${file}' cannot be reached (${stats})`;
  const blocked = blockedAt(folder);
  if (blocked) return blocked + (readonly || fileMustExist ? notCreated(readonly) : '');
  if (readonly || fileMustExist) return `the file '${file}' does not exist${notCreated(readonly)}`;
  const denied = tryCreate(folder, file);
  return denied ? `its folder '${folder}' is not writable (${denied})` : undefined;
}

function notCreated(readonly: boolean): string {
  return ` (nothing is created when ${readonly ? 'readonly' : 'fileMustExist'} is true)`;
}

/** Why `folder` is not a usable folder (missing, or a part of its path is a file), or `undefined` when it is one. */
function blockedAt(folder: string): string | undefined {
  for (let at = folder; ; at = dirname(at)) {
    const stats = statOrCode(at);
    if (typeof stats !== 'string') {
      if (!stats.isDirectory()) return `'${at}' is a file, not a folder`;
      return at === folder ? undefined : `its folder '${folder}' does not exist`;
    }
    if (stats !== 'ENOENT' && stats !== 'ENOTDIR') return `its folder '${folder}' cannot be reached (${stats})`;
    if (dirname(at) === at) return `its folder '${folder}' does not exist`;
  }
}

/** The closest folder above `path` that exists. */
function nearestFolder(path: string): string {
  let at = dirname(path);
  while (typeof statOrCode(at) === 'string' && dirname(at) !== at) at = dirname(at);
  return at;
}

function statOrCode(path: string): Stats | string {
  try {
    return statSync(path);
  } catch (thrown) {
    return errno(thrown);
  }
}

/**
 * The errno code of checking `path` for `mode`, or `undefined` when allowed. Not by opening it:
 * closing a descriptor of a database file drops every POSIX lock this process holds on it,
 * including those of another connection to the same file.
 */
function tryAccess(path: string, mode: number): string | undefined {
  try {
    accessSync(path, mode);
    return undefined;
  } catch (thrown) {
    return errno(thrown);
  }
}

/**
 * Whether this process may create a file in `folder` (as `name`, which must not exist). Only
 * creating one tells: `access()` goes by permission bits, which root passes where a file system
 * such as sysfs still refuses. `O_EXCL` makes sure the file removed again is the one made here.
 */
function tryCreate(
  folder: string,
  name = resolve(folder, `.keel-probe-${process.pid}-${Date.now()}`),
): string | undefined {
  try {
    closeSync(openSync(name, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY));
  } catch (thrown) {
    const code = errno(thrown);
    return code === 'EEXIST' ? undefined : code;
  }
  try {
    unlinkSync(name);
  } catch {
    // It was made a moment ago by this process; failing to remove it changes no answer.
  }
  return undefined;
}

function errno(thrown: unknown): string {
  const code = (thrown as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : String((thrown as Error | undefined)?.message ?? thrown);
}
