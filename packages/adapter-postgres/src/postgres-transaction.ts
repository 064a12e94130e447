import type { SqlParams } from '@keel/core';
import type { SqlTransactionDriver } from '@keel/core/adapter';
import { sqlError, toPostgresError } from './postgres-errors.js';
import { inTransaction, type Rows, send, toExecuteResult, toQueryResult } from './postgres-statements.js';
import { type PostgresContext, type Reserved, type Running, TransactionRoot } from './postgres-transaction-root.js';

export type { PostgresContext } from './postgres-transaction-root.js';

/**
 * Starts a top-level transaction on a connection of its own (reserved from the pool: no other
 * caller's statement is pipelined on it), held until it ends. Its `BEGIN` goes with its first
 * statement, which saves a round trip: in one batch (one Sync), so that a `BEGIN` that fails
 * lets nothing after it run. PostgreSQL takes a transaction's snapshot at its first statement
 * anyway, so nothing is seen differently.
 */
export async function startTransaction(ctx: PostgresContext): Promise<SqlTransactionDriver> {
  if (ctx.closing) throw closingError();
  let reserved: Reserved;
  try {
    reserved = (await ctx.pool.reserve()) as Reserved;
  } catch (thrown) {
    throw toPostgresError(thrown, 'begin');
  }
  if (ctx.closing) {
    reserved.release();
    throw closingError();
  }
  return new PostgresTransaction(ctx, new TransactionRoot(ctx, reserved), 1);
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
    return this.statement(statement, params, 'query', toQueryResult);
  }

  execute(statement: string, params: SqlParams | undefined) {
    return this.statement(statement, params, 'execute', toExecuteResult);
  }

  async executeScript(script: string): Promise<void> {
    this.check('executeScript');
    let failure: unknown;
    try {
      await this.control('executeScript', this.root.opening(script));
    } catch (thrown) {
      failure = thrown;
    }
    // A script may COMMIT or ROLLBACK: the connection is then outside any transaction.
    if (this.root.over === undefined && !(await inTransaction(this.root.connection).catch(() => true)))
      this.root.end('the script ended the transaction (a COMMIT or ROLLBACK in it); start a new one');
    if (failure !== undefined) throw failure;
  }

  async begin(): Promise<SqlTransactionDriver> {
    this.check('begin');
    await this.control('begin', this.root.opening(`SAVEPOINT keel_sp_${this.depth + 1}`));
    return new PostgresTransaction(this.ctx, this.root, this.depth + 1);
  }

  async commit(): Promise<void> {
    this.check('commit');
    if (this.depth > 1) {
      await this.control('commit', `RELEASE SAVEPOINT ${this.savepoint}`);
      return;
    }
    if (this.root.beginStatement !== undefined) {
      this.root.end('the transaction is committed'); // nothing was sent: nothing to commit
      return;
    }
    let done: { command?: string };
    try {
      done = (await this.control('commit', 'COMMIT')) as { command?: string };
    } catch (error) {
      // A COMMIT the server refused (a deferred constraint, a serialization failure) ended the transaction.
      if (this.root.over === undefined) this.root.end('the transaction was rolled back when its COMMIT failed');
      throw error;
    }
    if (done.command === 'ROLLBACK') {
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
    if (this.root.beginStatement !== undefined) {
      this.root.end('the transaction is rolled back'); // nothing was sent
      return;
    }
    try {
      await this.root.connection.unsafe('ROLLBACK');
    } catch (thrown) {
      this.root.end('the transaction is rolled back');
      throw toPostgresError(thrown, 'rollback');
    }
    this.root.end('the transaction is rolled back');
  }

  /** One statement, read by `read` (one async step per call: a transaction's statements are its hot path). */
  private async statement<T>(
    statement: string,
    params: SqlParams | undefined,
    op: string,
    read: (rows: Rows) => T,
  ): Promise<T> {
    this.check(op);
    const { connection, beginStatement } = this.root;
    const running = send(connection, this.ctx, statement, params, op);
    if (beginStatement !== undefined) return read(await this.withBegin(beginStatement, running, op));
    this.root.running.add(running);
    try {
      return read(await running);
    } catch (thrown) {
      throw this.failure(thrown, op);
    } finally {
      this.root.running.delete(running);
    }
  }

  /** The first statement, after `BEGIN` in one batch: when `BEGIN` fails, the statement is skipped. */
  private async withBegin(beginStatement: string, running: Promise<Rows>, op: string): Promise<Rows> {
    const { connection } = this.root;
    this.root.beginStatement = undefined;
    const begin = connection.unsafe(beginStatement, [], { prepare: false, simple: false });
    const both = connection.batch([begin, running as never]) as unknown as Running & Promise<[unknown, Rows]>;
    try {
      return (await this.root.run(both))[1];
    } catch (thrown) {
      if ((thrown as { index?: number }).index === 0 && this.root.over === undefined) {
        // No transaction: the connection goes back as it is, unless it was lost (see `failure`).
        const error = this.failure(thrown, op);
        this.root.end(`the transaction did not start (${error.message})`);
        throw error;
      }
      throw this.failure(thrown, op);
    }
  }

  private check(op: string): void {
    if (this.root.over !== undefined) throw sqlError(this.root.overCode, this.root.over, op);
  }

  /** A statement of this transaction's own (no parameters, so the simple protocol: one round trip for several). */
  private async control(op: string, statement: string): Promise<unknown> {
    try {
      return await this.root.run(this.root.connection.unsafe(statement) as unknown as Running);
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
    if (this.root.endedByKeel && this.root.over !== undefined)
      return sqlError('TRANSACTION', this.root.over, op, thrown);
    const error = toPostgresError(thrown, op);
    if (error.code !== 'CONNECTION') return error;
    this.root.lost();
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
