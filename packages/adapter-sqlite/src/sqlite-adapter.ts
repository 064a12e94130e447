import type { Sql, SqlCapabilities, SqlParams, SqlSandbox } from '@keel/core';
import { defineAdapter, defineSql, parseOptions } from '@keel/core/adapter';
import { healthDetail, isMemory, openDatabase } from './sqlite-connection.js';
import { adapter, sqlError, toSqliteError } from './sqlite-errors.js';
import { sqliteSqlOptions, type ResolvedSqliteSqlOptions, type SqliteSqlOptions } from './sqlite-options.js';
import { TransactionQueue } from './sqlite-queue.js';
import { openSqliteSandbox } from './sqlite-sandbox.js';
import { sandboxAvailable } from './sqlite-sandbox-process.js';
import { runExecute, runQuery, runScript, sqliteStatements } from './sqlite-statements.js';
import { startTransaction, type SqliteContext } from './sqlite-transaction.js';

/**
 * Keel's sql contract on better-sqlite3: a file (WAL, foreign keys on, a busy timeout) or
 * `:memory:`. The one synchronous connection is shared through a queue, so concurrent async
 * callers never run inside each other's transactions; nested transactions are savepoints.
 * The database opens on the first call (or `open()`), creating the file and its missing folders.
 *
 * @example
 * import { createSqliteSql } from '@keel/adapter-sqlite';
 * const sql = createSqliteSql({ filename: './data/app.db' });
 * await sql.executeScript('CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)');
 * const added = await sql.execute('INSERT INTO users (email) VALUES (?)', ['ada@example.com']);
 */
export function createSqliteSql(options: SqliteSqlOptions): Sql {
  return buildSqliteSql(parseOptions(sqliteSqlOptions, options, 'createSqliteSql'));
}

/**
 * Registers the adapter as `sqlite`, so that config can choose it.
 *
 * @example
 * const keel = await createKeel(
 *   { sql: { adapter: 'sqlite', options: { filename: './data/app.db' } } },
 *   { adapters: [sqliteAdapter] },
 * );
 */
export const sqliteAdapter = defineAdapter({
  interface: 'sql',
  id: 'sqlite',
  package: '@keel/adapter-sqlite',
  options: sqliteSqlOptions,
  create: (options) => buildSqliteSql(options),
});

function buildSqliteSql(resolved: ResolvedSqliteSqlOptions): Sql {
  const capabilities: SqlCapabilities = {
    dialect: 'sqlite',
    transactions: true,
    savepoints: true,
    namedParameters: true,
    persistent: !isMemory(resolved.filename),
    synchronous: true,
    // Its own connection in a child process: only a file can be shared with one, and the
    // child's script must be on disk (a single executable has none).
    sandbox: !isMemory(resolved.filename) && sandboxAvailable(),
  };
  let ctx: SqliteContext | undefined;
  const sandboxes = new Set<SqlSandbox>();

  const connection = (): SqliteContext => ctx ?? failNotOpen();

  // Each call runs now when the queue is idle, else when its turn comes (see TransactionQueue).
  function query(statement: string, params: SqlParams | undefined) {
    const c = connection();
    return c.queue.idle ? queryNow(c, statement, params) : c.queue.wait(() => queryNow(c, statement, params));
  }
  function execute(statement: string, params: SqlParams | undefined) {
    const c = connection();
    return c.queue.idle ? executeNow(c, statement, params) : c.queue.wait(() => executeNow(c, statement, params));
  }
  function executeScript(script: string) {
    const c = connection();
    return c.queue.idle ? scriptNow(c, script) : c.queue.wait(() => scriptNow(c, script));
  }

  return defineSql({
    adapter,
    capabilities,
    open() {
      const db = openDatabase(resolved);
      ctx = {
        db,
        cache: sqliteStatements(db, resolved.statementCacheSize),
        queue: new TransactionQueue(),
        transactionTimeoutMs: resolved.transactionTimeoutMs,
        controls: new Map(),
        active: undefined,
        closing: false,
      };
    },
    query,
    execute,
    executeScript,
    begin() {
      const c = connection();
      return c.queue.idle ? startTransaction(c) : c.queue.wait(() => startTransaction(c));
    },
    // better-sqlite3 answers at once; only a queue held by an async transaction makes a call wait.
    busy: () => ctx !== undefined && !ctx.queue.idle,
    async sandbox(options) {
      const sandbox = await openSqliteSandbox(resolved, options, (closed) => sandboxes.delete(closed));
      if (ctx === undefined || ctx.closing) {
        await sandbox.close();
        throw sqlError('NOT_OPEN', 'the sqlite database closed while the sandbox started', 'sandbox');
      }
      sandboxes.add(sandbox);
      return sandbox;
    },
    closing() {
      for (const s of sandboxes) void s.close();
      if (!ctx) return;
      ctx.closing = true;
      ctx.active?.abandon('the database is closing; the transaction was rolled back');
    },
    close() {
      if (!ctx) return;
      const { db, active } = ctx;
      ctx.closing = true;
      active?.abandon('the database is closed');
      ctx = undefined;
      db.close();
    },
    health() {
      const c = connection();
      return healthDetail(c.db, resolved, {
        transactionOpen: c.queue.open,
        waiting: c.queue.waitingCount,
        cachedStatements: c.cache.size,
      });
    },
  });
}

function queryNow(c: SqliteContext, statement: string, params: SqlParams | undefined) {
  try {
    return runQuery(c.cache, statement, params);
  } catch (thrown) {
    throw toSqliteError(thrown, 'query');
  }
}

function executeNow(c: SqliteContext, statement: string, params: SqlParams | undefined) {
  try {
    return runExecute(c.cache, statement, params);
  } catch (thrown) {
    throw toSqliteError(thrown, 'execute');
  }
}

/**
 * A script may `BEGIN` without `COMMIT` (or fail in between). That transaction would swallow
 * every later caller's statements, so it is rolled back and the script is an Err.
 */
function scriptNow(c: SqliteContext, script: string): void {
  try {
    runScript(c.cache, c.db, script);
  } catch (thrown) {
    if (c.db.inTransaction) c.db.exec('ROLLBACK');
    throw toSqliteError(thrown, 'executeScript');
  }
  if (c.db.inTransaction) {
    c.db.exec('ROLLBACK');
    throw sqlError(
      'TRANSACTION',
      'the script left a transaction open, so it was rolled back; use begin() or transaction(fn)',
      'executeScript',
    );
  }
}

function failNotOpen(): never {
  throw sqlError('NOT_OPEN', 'the sqlite database is not open', 'call');
}
