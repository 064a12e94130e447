import type { Sql } from '@keel/core';
import type { DatabaseConnection, Driver, TransactionSettings } from 'kysely';
import type { KeelBackend } from './keel-backend.js';
import { KeelConnection } from './keel-connection.js';

/**
 * Kysely's driver on Keel's `Sql`. Keel owns the database (its pool or its one connection, and
 * their lifecycle), so a "connection" here is only a place to keep one transaction: acquiring
 * one is free, and `destroy` leaves `keel.sql` open.
 *
 * @example
 * const driver = new KeelDriver(keel.sql, sqliteBackend);
 */
export class KeelDriver implements Driver {
  readonly #sql: Sql;
  readonly #backend: KeelBackend;

  constructor(sql: Sql, backend: KeelBackend) {
    this.#sql = sql;
    this.#backend = backend;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new KeelConnection(this.#sql);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await keel(connection).begin(this.#backend.transactionSettings(settings));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await keel(connection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await keel(connection).rollback();
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await keel(connection).savepoint(name);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await keel(connection).rollbackToSavepoint(name);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await keel(connection).releaseSavepoint(name);
  }

  /** Kysely releases a transaction's connection only after its commit or rollback: nothing is left to end. */
  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

function keel(connection: DatabaseConnection): KeelConnection {
  if (connection instanceof KeelConnection) return connection;
  throw new TypeError('@keel/kysely: the connection did not come from this driver');
}
