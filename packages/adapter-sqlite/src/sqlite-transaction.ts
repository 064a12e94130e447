import type { SqlParams } from '@keel/core';
import type { SqlTransactionDriver } from '@keel/core/adapter';
import type Database from 'better-sqlite3';
import { sqlError, toSqliteError } from './sqlite-errors.js';
import type { TransactionQueue } from './sqlite-queue.js';
import { runExecute, runQuery, runScript, type SqliteStatements } from './sqlite-statements.js';

/** One open connection and what every call on it shares. */
export interface SqliteContext {
  readonly db: Database.Database;
  readonly cache: SqliteStatements;
  readonly queue: TransactionQueue;
  readonly transactionTimeoutMs: number;
  /** Transaction statements, prepared once. */
  readonly controls: Map<string, Database.Statement>;
  /** The open top-level transaction, if any (it owns the queue). */
  active: TransactionRoot | undefined;
  /** `close()` has started: waiting `begin`s are refused, waiting statements still run. */
  closing: boolean;
}

/**
 * Starts a top-level transaction; the caller has checked that the queue is free. `BEGIN
 * IMMEDIATE` takes SQLite's write lock at once, so two connections never deadlock upgrading a
 * read lock, and a lock held by another process is a `BUSY` Err here rather than mid-transaction.
 */
export function startTransaction(ctx: SqliteContext): SqlTransactionDriver {
  if (ctx.closing) throw sqlError('NOT_OPEN', 'the sqlite database is closing', 'begin');
  try {
    control(ctx, 'BEGIN IMMEDIATE').run();
  } catch (thrown) {
    throw toSqliteError(thrown, 'begin');
  }
  return new SqliteTransaction(ctx, new TransactionRoot(ctx), 1);
}

/**
 * The state a transaction and its savepoints share: whether it can still be used, and the
 * timer that rolls it back when its owner never ends it.
 */
export class TransactionRoot {
  /** Why the transaction can no longer be used; `undefined` while it is open. */
  over: string | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly ctx: SqliteContext) {
    ctx.queue.take(this);
    ctx.active = this;
    this.timer = setTimeout(
      () =>
        this.abandon(
          `the transaction was still open after transactionTimeoutMs (${ctx.transactionTimeoutMs} ms) and was rolled back`,
        ),
      ctx.transactionTimeoutMs,
    );
    this.timer.unref();
  }

  /**
   * Rolls back whatever is left and lets the waiting work run; later calls get `reason`.
   * Returns what a failed `ROLLBACK` threw, so that the timer never throws.
   */
  abandon(reason: string): unknown {
    if (this.over !== undefined) return undefined;
    let failure: unknown;
    try {
      if (this.ctx.db.inTransaction) control(this.ctx, 'ROLLBACK').run();
    } catch (thrown) {
      failure = thrown;
    }
    this.end(reason);
    return failure;
  }

  /** The transaction is over (committed, rolled back or ended by SQLite): release the queue. */
  end(reason: string): void {
    if (this.over !== undefined) return;
    this.over = reason;
    clearTimeout(this.timer);
    if (this.ctx.active === this) this.ctx.active = undefined;
    this.ctx.queue.release(this);
  }

  /**
   * SQLite ends a transaction by itself on some errors (an `OR ROLLBACK` conflict, a full
   * disk) and a script may `COMMIT`: after each statement, an engine no longer in a
   * transaction means this one is over.
   */
  checkEngine(): void {
    if (this.over === undefined && !this.ctx.db.inTransaction) {
      this.end('SQLite ended the transaction (a statement rolled it back or committed it); start a new one');
    }
  }
}

/** A transaction (depth 1) or a savepoint inside one (depth 2, 3, …). Core orders the calls. */
class SqliteTransaction implements SqlTransactionDriver {
  private readonly savepoint: string;

  constructor(
    private readonly ctx: SqliteContext,
    private readonly root: TransactionRoot,
    private readonly depth: number,
  ) {
    this.savepoint = `keel_sp_${depth}`;
  }

  query(statement: string, params: SqlParams | undefined) {
    this.check('query');
    try {
      return runQuery(this.ctx.cache, statement, params);
    } catch (thrown) {
      throw toSqliteError(thrown, 'query');
    } finally {
      this.root.checkEngine();
    }
  }

  execute(statement: string, params: SqlParams | undefined) {
    this.check('execute');
    try {
      return runExecute(this.ctx.cache, statement, params);
    } catch (thrown) {
      throw toSqliteError(thrown, 'execute');
    } finally {
      this.root.checkEngine();
    }
  }

  executeScript(script: string): void {
    this.check('executeScript');
    try {
      runScript(this.ctx.cache, this.ctx.db, script);
    } catch (thrown) {
      throw toSqliteError(thrown, 'executeScript');
    } finally {
      this.root.checkEngine();
    }
  }

  begin(): SqlTransactionDriver {
    this.check('begin');
    this.control('begin', `SAVEPOINT keel_sp_${this.depth + 1}`);
    return new SqliteTransaction(this.ctx, this.root, this.depth + 1);
  }

  commit(): void {
    this.check('commit');
    if (this.depth > 1) {
      this.control('commit', `RELEASE ${this.savepoint}`);
      return;
    }
    try {
      control(this.ctx, 'COMMIT').run();
    } catch (thrown) {
      // A failed COMMIT (a deferred foreign key) leaves the transaction open for a rollback,
      // unless SQLite rolled it back itself.
      this.root.checkEngine();
      throw toSqliteError(thrown, 'commit');
    }
    this.root.end('the transaction is committed');
  }

  rollback(): void {
    this.check('rollback');
    if (this.depth > 1) {
      this.control('rollback', `ROLLBACK TO ${this.savepoint}`);
      this.control('rollback', `RELEASE ${this.savepoint}`);
      return;
    }
    const failure = this.root.abandon('the transaction is rolled back');
    if (failure !== undefined) throw toSqliteError(failure, 'rollback');
  }

  private check(op: string): void {
    if (this.root.over !== undefined) throw sqlError('TRANSACTION', this.root.over, op);
  }

  private control(op: string, statement: string): void {
    try {
      control(this.ctx, statement).run();
    } catch (thrown) {
      throw toSqliteError(thrown, op);
    } finally {
      this.root.checkEngine();
    }
  }
}

/** `BEGIN`, `COMMIT`, `SAVEPOINT keel_sp_2`, …: prepared once per connection, outside the LRU cache. */
function control(ctx: SqliteContext, text: string): Database.Statement {
  let statement = ctx.controls.get(text);
  if (!statement) ctx.controls.set(text, (statement = ctx.db.prepare(text)));
  return statement;
}
