import type { SqlParams } from '@keel/core';
import type { SqlTransactionDriver } from '@keel/core/adapter';
import type { Pool, PoolClient } from 'pg';
import { sqlError, toPostgresError } from './postgres-errors.js';
import { type PostgresStatements, runExecute, runQuery } from './postgres-statements.js';

/** The pool and what every call on it shares. */
export interface PostgresContext {
  readonly pool: Pool;
  readonly cache: PostgresStatements;
  /** `BEGIN ISOLATION LEVEL …`, from the options. */
  readonly beginStatement: string;
  readonly transactionTimeoutMs: number;
  /** Open top-level transactions, each holding a connection. */
  readonly active: Set<TransactionRoot>;
  /** `close()` has started: new transactions are refused. */
  closing: boolean;
}

/**
 * Starts a top-level transaction on a connection of its own, held until it ends, so that
 * statements on the database never run inside it.
 */
export async function startTransaction(ctx: PostgresContext): Promise<SqlTransactionDriver> {
  if (ctx.closing) throw closingError();
  let client: PoolClient;
  try {
    client = await ctx.pool.connect();
  } catch (thrown) {
    throw toPostgresError(thrown, 'begin');
  }
  if (ctx.closing) {
    client.release();
    throw closingError();
  }
  const root = new TransactionRoot(ctx, client);
  try {
    await client.query(ctx.beginStatement);
  } catch (thrown) {
    root.end('the transaction did not start', thrown);
    throw toPostgresError(thrown, 'begin');
  }
  return new PostgresTransaction(ctx, root, 1);
}

/**
 * What a transaction and its savepoints share: the connection, whether it can still be used,
 * and the timer that ends it when its owner never does.
 */
export class TransactionRoot {
  /** Why the transaction can no longer be used; `undefined` while it is open. */
  over: string | undefined;
  /** Ended by Keel (its timeout, `close()`), not by a lost connection: what a statement cut off by it reports. */
  endedByKeel = false;
  /** The code of the calls made after it ended: `CONNECTION` when the connection was lost (retry once the server is back). */
  overCode: 'TRANSACTION' | 'CONNECTION' = 'TRANSACTION';
  private released = false;
  private readonly timer: NodeJS.Timeout;
  // A connection lost while the transaction idles would otherwise be an uncaught 'error' event.
  private readonly onError = (error: Error) => this.lost(error);

  constructor(
    private readonly ctx: PostgresContext,
    readonly client: PoolClient,
  ) {
    ctx.active.add(this);
    client.on('error', this.onError);
    // Closing the connection ends the transaction on the server even while a statement is stuck in it.
    this.timer = setTimeout(() => {
      this.endedByKeel = true;
      this.end(
        `the transaction was still open after transactionTimeoutMs (${ctx.transactionTimeoutMs} ms) and was rolled back`,
        new Error('transaction timeout'),
      );
    }, ctx.transactionTimeoutMs);
    this.timer.unref();
  }

  /** Rolls back from outside (`close()`), then lets the connection go. */
  abandon(reason: string): void {
    if (this.over !== undefined) return;
    this.over = reason;
    this.endedByKeel = true;
    this.client.query('ROLLBACK').then(
      () => this.release(),
      (error: Error) => this.release(error),
    );
  }

  /** The connection was lost: the server rolls the transaction back; later calls are `CONNECTION`. */
  lost(cause: unknown): void {
    if (this.over === undefined) this.overCode = 'CONNECTION';
    this.end('the connection to PostgreSQL was lost; the server rolled the transaction back', cause);
  }

  /** The transaction is over: the connection goes back to the pool, or is closed when `broken` says it can't be trusted. */
  end(reason: string, broken?: unknown): void {
    this.over ??= reason;
    this.release(broken);
  }

  private release(broken?: unknown): void {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.timer);
    this.ctx.active.delete(this);
    this.client.off('error', this.onError);
    this.client.release(
      broken === undefined ? undefined : broken instanceof Error ? broken : new Error(String(broken)),
    );
  }
}

/** A transaction (depth 1) or a savepoint inside one (depth 2, 3, …). Core orders the calls. */
class PostgresTransaction implements SqlTransactionDriver {
  private readonly savepoint: string;

  constructor(
    private readonly ctx: PostgresContext,
    private readonly root: TransactionRoot,
    private readonly depth: number,
  ) {
    this.savepoint = `keel_sp_${depth}`;
  }

  query(statement: string, params: SqlParams | undefined) {
    this.check('query');
    return this.settle(runQuery(this.root.client, this.ctx.cache, statement, params), 'query');
  }

  execute(statement: string, params: SqlParams | undefined) {
    this.check('execute');
    return this.settle(runExecute(this.root.client, this.ctx.cache, statement, params), 'execute');
  }

  async executeScript(script: string): Promise<void> {
    this.check('executeScript');
    await this.control('executeScript', script);
    // A script may COMMIT or ROLLBACK: the connection is then outside any transaction.
    if (this.root.client.getTransactionStatus() === 'I') {
      this.root.end('the script ended the transaction (a COMMIT or ROLLBACK in it); start a new one');
    }
  }

  async begin(): Promise<SqlTransactionDriver> {
    this.check('begin');
    await this.control('begin', `SAVEPOINT keel_sp_${this.depth + 1}`);
    return new PostgresTransaction(this.ctx, this.root, this.depth + 1);
  }

  async commit(): Promise<void> {
    this.check('commit');
    if (this.depth > 1) {
      await this.control('commit', `RELEASE SAVEPOINT ${this.savepoint}`);
      return;
    }
    const result = (await this.control('commit', 'COMMIT')) as { command?: string };
    if (result.command === 'ROLLBACK') {
      // PostgreSQL answers COMMIT of a failed transaction by rolling it back, without an error.
      this.root.end('the transaction was rolled back');
      throw sqlError(
        'TRANSACTION',
        'the transaction was rolled back, not committed: a statement in it failed earlier',
        'commit',
      );
    }
    this.root.end('the transaction is committed');
  }

  async rollback(): Promise<void> {
    this.check('rollback');
    if (this.depth > 1) {
      await this.control('rollback', `ROLLBACK TO SAVEPOINT ${this.savepoint}; RELEASE SAVEPOINT ${this.savepoint}`);
      return;
    }
    try {
      await this.root.client.query('ROLLBACK');
    } catch (thrown) {
      this.root.end('the transaction is rolled back', thrown);
      throw toPostgresError(thrown, 'rollback');
    }
    this.root.end('the transaction is rolled back');
  }

  private check(op: string): void {
    if (this.root.over !== undefined) throw sqlError(this.root.overCode, this.root.over, op);
  }

  /** A statement of this transaction's own (no parameters, so the simple protocol: one round trip for several). */
  private async control(op: string, statement: string): Promise<unknown> {
    try {
      return await this.root.client.query(statement);
    } catch (thrown) {
      throw this.failure(thrown, op);
    } finally {
      // A failed COMMIT (a deferred constraint, a serialization failure) ends the transaction.
      if (op === 'commit' && this.depth === 1 && this.root.client.getTransactionStatus() === 'I')
        this.root.end('the transaction was rolled back when its COMMIT failed');
    }
  }

  private async settle<T>(running: Promise<T>, op: string): Promise<T> {
    try {
      return await running;
    } catch (thrown) {
      throw this.failure(thrown, op);
    }
  }

  /**
   * A statement cut off because Keel ended the transaction (timeout, close) reports why, as
   * `TRANSACTION`. A lost connection stays `CONNECTION` (callers retry those once the server is
   * back) and ends the transaction; a COMMIT cut off that way may or may not have committed.
   */
  private failure(thrown: unknown, op: string) {
    const error = toPostgresError(thrown, op);
    if (error.code !== 'CONNECTION') return error;
    if (this.root.endedByKeel && this.root.over !== undefined)
      return sqlError('TRANSACTION', this.root.over, op, thrown);
    this.root.lost(thrown);
    return op === 'commit'
      ? sqlError(
          'CONNECTION',
          `the connection to PostgreSQL was lost during COMMIT: the transaction may or may not have committed (${error.message})`,
          op,
          thrown,
        )
      : error;
  }
}

function closingError() {
  return sqlError('NOT_OPEN', 'the PostgreSQL pool is closing', 'begin');
}
