// @ts-check
// The sandbox's process: one connection of its own, hardened for untrusted SQL, answering one
// request at a time over IPC. The parent kills this process at a statement's deadline (SQLite
// cannot be interrupted from JavaScript), so it holds nothing the app needs. JavaScript, not
// TypeScript: it runs in plain `node`, from the sources in tests and from dist when installed.
import Database from 'better-sqlite3';
import { startWatchdog } from './sqlite-sandbox-watchdog.js';
import { Refusal, checkStatementStart, scriptProblem } from './sqlite-sandbox-words.js';

/**
 * @typedef {object} SandboxInit
 * @property {string} filename
 * @property {boolean} readOnly
 * @property {boolean} foreignKeys
 * @property {number} busyTimeoutMs
 * @property {number} maxResultBytes
 * @property {number} deadlineMs
 * @property {Record<string, string> | undefined} statements
 * @property {string | undefined} nativeBinding
 */

/** Functions that reach outside the database or into the process; replaced at every arity. */
const blockedFunctions = new Set(['fts3_tokenizer', 'load_extension', 'readfile', 'writefile', 'edit', 'lsdir']);

/** Table-valued pragmas a guest may read; every other `pragma_*` table is replaced. */
const allowedPragmaTables = new Set([
  'table_info',
  'table_xinfo',
  'table_list',
  'index_list',
  'index_info',
  'index_xinfo',
  'foreign_key_list',
]);

/** @type {Database.Database} */
let db;
/** @type {SandboxInit} */
let init;
/** @type {Map<string, Database.Statement>} */
const named = new Map();
/** @type {Map<string, Database.Statement>} */
const cache = new Map();
const cacheSize = 100;
const watchdog = startWatchdog();

process.on('message', (/** @type {any} */ message) => {
  const { id } = message;
  let reply;
  watchdog.arm(message.op === 'open' ? 0 : init.deadlineMs);
  try {
    reply = { id, ok: handle(message) };
  } catch (error) {
    reply = { id, error: describe(error) };
  } finally {
    watchdog.disarm();
  }
  process.send?.(reply);
});
process.on('disconnect', () => process.exit(0));

/** @param {any} m */
function handle(m) {
  switch (m.op) {
    case 'open':
      return open(m.init);
    case 'query':
      return query(statement(m.statement), m.params);
    case 'execute':
      return execute(m.statement, m.params);
    case 'script':
      return script(m.statement);
    case 'begin':
      // A read-only transaction is deferred: it reads a snapshot and never takes the write lock.
      return control(m.depth === 1 ? (init.readOnly ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE') : `SAVEPOINT s${m.depth}`);
    case 'commit':
      return control(m.depth === 1 ? 'COMMIT' : `RELEASE s${m.depth}`);
    case 'rollback':
      return control(m.depth === 1 ? 'ROLLBACK' : `ROLLBACK TO s${m.depth}; RELEASE s${m.depth}`);
    default:
      throw new Refusal('INTERNAL', `unknown request ${String(m.op)}`);
  }
}

/** @param {SandboxInit} options */
function open(options) {
  init = options;
  db = new Database(options.filename, {
    readonly: options.readOnly,
    fileMustExist: true,
    timeout: options.busyTimeoutMs,
    ...(options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding }),
  });
  db.defaultSafeIntegers(true);
  harden();
  for (const [name, text] of Object.entries(options.statements ?? {})) {
    try {
      named.set(name, prepare(text));
    } catch (error) {
      if (error instanceof Error) error.message = `statement '${name}': ${error.message}`;
      throw error;
    }
  }
  return true;
}

/**
 * What the engine itself enforces, whatever a statement's text: a read-only connection that
 * also refuses temp writes (`query_only`), no trust in functions the schema names, the
 * dangerous built-ins replaced by refusals at every arity SQLite registered them with, and the
 * side-effecting table-valued pragmas (`pragma_optimize` runs ANALYZE) replaced likewise.
 */
function harden() {
  db.pragma('trusted_schema = OFF');
  db.pragma(`foreign_keys = ${init.foreignKeys ? 'ON' : 'OFF'}`);
  if (init.readOnly) db.pragma('query_only = ON');
  const functions = /** @type {{ name: string, narg: number }[]} */ (
    db.prepare('SELECT name, narg FROM pragma_function_list').safeIntegers(false).all()
  );
  for (const { name, narg } of functions) {
    if (blockedFunctions.has(name.toLowerCase())) replaceFunction(name, narg);
  }
  const pragmas = /** @type {{ name: string }[]} */ (db.prepare('SELECT name FROM pragma_pragma_list').all());
  for (const { name } of pragmas) {
    if (allowedPragmaTables.has(name)) continue;
    const table = `pragma_${name}`;
    db.table(table, {
      columns: ['refused'],
      *rows() {
        yield* [];
        throw new Refusal('ACCESS_DENIED', `${table} is not available in the sandbox`);
      },
    });
  }
}

/** @param {string} name @param {number} narg */
function replaceFunction(name, narg) {
  const refuse = () => {
    throw new Refusal('ACCESS_DENIED', `${name}() is not available in the sandbox`);
  };
  if (narg < 0) {
    db.function(name, { varargs: true }, refuse);
    return;
  }
  // better-sqlite3 registers a function with its `length` as the argument count.
  Object.defineProperty(refuse, 'length', { value: narg });
  db.function(name, refuse);
}

/** The prepared statement a request names: a registered name, or (without names) its text. */
function statement(/** @type {string} */ text) {
  if (init.statements) {
    const found = named.get(text);
    if (!found) throw new Refusal('ACCESS_DENIED', 'only the registered statements may run, by name');
    return found;
  }
  let s = cache.get(text);
  if (!s) {
    s = prepare(text);
    if (cache.size >= cacheSize) cache.clear();
    cache.set(text, s);
  }
  return s;
}

/** @param {string} text */
function prepare(text) {
  // Before preparing: SQLite applies a PRAGMA while it prepares it, and ATTACH runs on a read-only connection.
  checkStatementStart(text);
  const s = db.prepare(text);
  // The engine's own verdict decides what a read-only sandbox runs.
  if (init.readOnly && !s.readonly)
    throw new Refusal('ACCESS_DENIED', 'the statement can write; the sandbox is read-only');
  if (s.reader) s.raw(true);
  return s;
}

/**
 * Rows are counted while they are read, so a result past the budget stops at the row that
 * passes it; the memory one row can take is bounded by the process's own limits.
 * @param {Database.Statement} s @param {unknown} params
 */
function query(s, params) {
  if (!s.reader) {
    run(s, params);
    return { columns: [], rows: [] };
  }
  const columns = s.columns().map((c) => c.name);
  let bytes = 0;
  for (const c of columns) bytes += 8 + Buffer.byteLength(c);
  const rows = [];
  // Throwing out of the loop ends the iteration, which resets the statement.
  for (const row of /** @type {IterableIterator<unknown[]>} */ (s.iterate(...bindable(s, params)))) {
    bytes += 8;
    for (let i = 0; i < row.length; i++) bytes += 16 + readValue(row, i);
    if (bytes > init.maxResultBytes)
      throw new Refusal('TOO_LARGE', `the result passed ${init.maxResultBytes} bytes at row ${rows.length + 1}`);
    rows.push(row);
  }
  return { columns, rows };
}

/** The weight of `row[i]`; an integer that a number holds exactly becomes one. @param {unknown[]} row @param {number} i */
function readValue(row, i) {
  const v = row[i];
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (typeof v === 'bigint') {
    const n = Number(v);
    if (Number.isSafeInteger(n)) row[i] = n;
    return 8;
  }
  if (v instanceof Uint8Array) return v.byteLength;
  return 8;
}

/** @param {string} text @param {unknown} params */
function execute(text, params) {
  if (init.readOnly) throw new Refusal('ACCESS_DENIED', 'the sandbox is read-only');
  const s = statement(text);
  const info = run(s, params);
  const inserts = /^\s*(INSERT|REPLACE)\b/i.test(s.source);
  return { rowsAffected: info.changes, lastInsertId: inserts && info.changes > 0 ? info.lastInsertRowid : undefined };
}

/** @param {Database.Statement} s @param {unknown} params */
function run(s, params) {
  return s.run(...bindable(s, params));
}

/**
 * The arguments that bind `params`: none, an array (positional) or an object (named). `?NNN`
 * parameters are named `NNN` to better-sqlite3, so positional values become `{ 1: …, 2: … }`.
 * @param {Database.Statement} s @param {unknown} params @returns {unknown[]}
 */
function bindable(s, params) {
  if (params === undefined) return [];
  if (!Array.isArray(params) || !/\?\d/.test(s.source.replace(/'(?:[^']|'')*'/g, ''))) return [params];
  /** @type {Record<number, unknown>} */
  const numbered = {};
  for (let i = 0; i < params.length; i++) numbered[i + 1] = params[i];
  return [numbered];
}

/**
 * A script is run whole by SQLite, which shows nothing of its statements one by one, so its
 * words are checked here first (see `scriptProblem`). A transaction it leaves open is rolled back.
 * @param {string} text
 */
function script(text) {
  if (init.readOnly || init.statements) throw new Refusal('ACCESS_DENIED', 'scripts are not allowed in this sandbox');
  const problem = scriptProblem(text);
  if (problem) throw new Refusal('ACCESS_DENIED', problem);
  try {
    db.exec(text);
  } finally {
    cache.clear();
  }
  if (db.inTransaction) {
    db.exec('ROLLBACK');
    throw new Refusal('TRANSACTION', 'the script left a transaction open, so it was rolled back');
  }
  return true;
}

/** @param {string} text */
function control(text) {
  db.exec(text);
  return true;
}

/** An error as it crosses to the parent: our code, SQLite's, or the JavaScript error's name. */
function describe(/** @type {unknown} */ error) {
  const e = /** @type {{ refusal?: string, code?: unknown, name?: string, message?: string }} */ (error ?? {});
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (typeof e.refusal === 'string') return { code: e.refusal, message };
  if (typeof e.code === 'string' && e.code.startsWith('SQLITE_')) return { sqlite: e.code, message };
  return { name: e.name ?? 'Error', message };
}
