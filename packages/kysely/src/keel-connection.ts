import { rowsToObjects, type Sql, type SqlTransaction } from '@keel/core';
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';
import { dialectError, unwrap } from './keel-errors.js';
import { toSqlValues } from './keel-parameters.js';
import { returnsRows } from './keel-statement.js';

/** An open Keel transaction, and the kysely savepoint name it stands for (none at the top). */
interface Level {
  readonly tx: SqlTransaction;
  readonly savepoint: string | undefined;
}

/**
 * One kysely connection: statements go to the database, or to the innermost open Keel
 * transaction once `begin` has run. Kysely gives a transaction a connection of its own, so
 * each connection holds at most one Keel transaction, and its savepoints are Keel's nested
 * transactions (`tx.begin()`).
 *
 * @example
 * const connection = new KeelConnection(keel.sql);
 * await connection.executeQuery(CompiledQuery.raw('SELECT 1 AS one')); // { rows: [{ one: 1 }] }
 */
export class KeelConnection implements DatabaseConnection {
  readonly #sql: Sql;
  readonly #levels: Level[] = [];

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  get inTransaction(): boolean {
    return this.#levels.length > 0;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const target = this.#levels.at(-1)?.tx ?? this.#sql;
    if (returnsRows(compiled)) {
      const result = unwrap(await target.query(compiled.sql, toSqlValues(compiled.parameters, 'query')));
      return { rows: rowsToObjects(result) as R[] };
    }
    const result = unwrap(await target.execute(compiled.sql, toSqlValues(compiled.parameters, 'execute')));
    return {
      rows: [],
      numAffectedRows: BigInt(result.rowsAffected),
      ...(result.lastInsertId === undefined ? {} : { insertId: BigInt(result.lastInsertId) }),
    };
  }

  /** The contract has no cursors: the whole result is read, then handed out `chunkSize` rows at a time. */
  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new TypeError('chunkSize must be a positive integer');
    const { rows } = await this.executeQuery<R>(compiled);
    for (let start = 0; start < rows.length; start += chunkSize) yield { rows: rows.slice(start, start + chunkSize) };
  }

  /** Starts this connection's Keel transaction; `firstStatement` (isolation settings) runs in it first. */
  async begin(firstStatement: string | undefined): Promise<void> {
    if (this.inTransaction) throw dialectError('TRANSACTION', 'this connection is already in a transaction', 'begin');
    const tx = unwrap(await this.#sql.begin());
    if (firstStatement !== undefined) {
      const set = await tx.execute(firstStatement);
      if (set.isErr()) {
        await tx.rollback();
        throw set.error;
      }
    }
    this.#levels.push({ tx, savepoint: undefined });
  }

  /** Commits every open savepoint, innermost first, then the transaction. */
  async commit(): Promise<void> {
    await this.#commitFrom(0);
  }

  /** Rolls back the transaction; Keel ends its open savepoints with it. */
  async rollback(): Promise<void> {
    await this.#rollbackFrom(0);
  }

  async savepoint(name: string): Promise<void> {
    const parent = this.#levels.at(-1);
    if (!parent) throw dialectError('TRANSACTION', `savepoint ${name}: no transaction is open`, 'begin');
    this.#levels.push({ tx: unwrap(await parent.tx.begin()), savepoint: name });
  }

  /**
   * SQL's `ROLLBACK TO name` undoes the savepoint's work and keeps the savepoint (kysely's
   * types keep it too); Keel's nested transaction ends on rollback, so a new one takes its place.
   */
  async rollbackToSavepoint(name: string): Promise<void> {
    const index = this.#savepointIndex(name, 'rollback');
    await this.#rollbackFrom(index);
    await this.savepoint(name);
  }

  /** SQL's `RELEASE name` also releases the savepoints opened inside it. */
  async releaseSavepoint(name: string): Promise<void> {
    await this.#commitFrom(this.#savepointIndex(name, 'commit'));
  }

  async #commitFrom(index: number): Promise<void> {
    this.#requireOpen('commit');
    // Keel refuses to commit a transaction while a savepoint inside it is open: innermost first.
    while (this.#levels.length > index) {
      unwrap(await (this.#levels.at(-1) as Level).tx.commit());
      this.#levels.pop();
    }
  }

  async #rollbackFrom(index: number): Promise<void> {
    this.#requireOpen('rollback');
    const level = this.#levels[index] as Level;
    // Rolled back or not, the levels are gone: Keel ends a transaction even when its rollback fails.
    this.#levels.length = index;
    unwrap(await level.tx.rollback());
  }

  #savepointIndex(name: string, op: string): number {
    const index = this.#levels.findLastIndex((level) => level.savepoint === name);
    if (index < 0) throw dialectError('TRANSACTION', `no open savepoint named ${name}`, op);
    return index;
  }

  #requireOpen(op: string): void {
    if (!this.inTransaction) throw dialectError('TRANSACTION', 'no transaction is open on this connection', op);
  }
}
