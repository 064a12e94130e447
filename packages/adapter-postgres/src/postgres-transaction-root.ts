import type { ReservedSql } from 'postgres';
import type { PostgresPool } from './postgres-connection.js';
import type { StatementContext } from './postgres-statements.js';

/** The pool and what every call on it shares. */
export interface PostgresContext extends StatementContext {
  readonly pool: PostgresPool;
  /** `BEGIN ISOLATION LEVEL …`, from the options. */
  readonly beginStatement: string;
  readonly transactionTimeoutMs: number;
  /** Open top-level transactions, each holding a connection. */
  readonly active: Set<TransactionRoot>;
  /** `close()` has started: new transactions are refused. */
  closing: boolean;
}

/** A connection of the pool's, held by one transaction. */
export type Reserved = ReservedSql<Record<string, unknown>>;
/** A statement on the connection, running. */
export type Running = Promise<unknown> & { cancel(): Promise<void> };

/**
 * What a transaction and its savepoints share: the connection, whether it can still be used,
 * the statements running on it, and the timer that ends it when its owner never does.
 */
export class TransactionRoot {
  /** Why the transaction can no longer be used; `undefined` while it is open. */
  over: string | undefined;
  /** Ended by Keel (its timeout, `close()`), not by a lost connection: what a statement cut off by it reports. */
  endedByKeel = false;
  /** The code of the calls made after it ended: `CONNECTION` when the connection was lost (retry once the server is back). */
  overCode: 'TRANSACTION' | 'CONNECTION' = 'TRANSACTION';
  /** Statements sent and not yet answered, so that the timeout can cancel them. */
  readonly running = new Set<Running>();
  /** `BEGIN …` until it is sent, with the first statement. */
  beginStatement: string | undefined;
  private released = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly ctx: PostgresContext,
    readonly connection: Reserved,
  ) {
    ctx.active.add(this);
    this.beginStatement = ctx.beginStatement;
    this.timer = setTimeout(() => this.expire(), ctx.transactionTimeoutMs);
    this.timer.unref();
  }

  /** Awaits a statement sent on the connection, known as running until it settles. */
  async run<T>(statement: Promise<T> & { cancel(): Promise<void> }): Promise<T> {
    this.running.add(statement);
    try {
      return await statement;
    } finally {
      this.running.delete(statement);
    }
  }

  /**
   * The statement `text` (of the simple protocol, no parameters), after the `BEGIN` when it is
   * still to be sent: one query, so a `BEGIN` that fails runs none of it.
   */
  opening(text: string): string {
    const begin = this.beginStatement;
    this.beginStatement = undefined;
    return begin === undefined ? text : `${begin}; ${text}`;
  }

  /** Rolls back from outside (`close()`), after the statements already sent, then lets the connection go. */
  abandon(reason: string): void {
    if (this.over !== undefined) return;
    this.over = reason;
    this.endedByKeel = true;
    if (this.beginStatement !== undefined) {
      this.release(); // nothing was sent
      return;
    }
    this.connection.unsafe('ROLLBACK').then(
      () => this.release(),
      () => this.release(),
    );
  }

  /** The connection was lost: the server rolls the transaction back; later calls are `CONNECTION`. */
  lost(): void {
    if (this.over === undefined) this.overCode = 'CONNECTION';
    this.end('the connection to PostgreSQL was lost; the server rolled the transaction back');
  }

  /**
   * The transaction is over: the connection goes back to the pool. postgres.js closes one that is
   * still inside a transaction (a ROLLBACK that failed), which ends it on the server.
   */
  end(reason: string): void {
    this.over ??= reason;
    this.release();
  }

  /**
   * `transactionTimeoutMs` ran out: a statement still running is cancelled (postgres.js closes the
   * connection when the server does not answer the cancel), and the transaction is rolled back.
   */
  private expire(): void {
    if (this.over !== undefined) return;
    for (const statement of this.running) statement.cancel().catch(() => {});
    this.abandon(
      `the transaction was still open after transactionTimeoutMs (${this.ctx.transactionTimeoutMs} ms) and was rolled back`,
    );
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.timer);
    this.ctx.active.delete(this);
    this.connection.release();
  }
}
