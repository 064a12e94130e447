import type { DatabaseIntrospector, DialectAdapter, Kysely, QueryCompiler, TransactionSettings } from 'kysely';

/**
 * What differs per SQL dialect: kysely's own adapter, introspector and query compiler for it,
 * and how it applies kysely's transaction settings. Everything else (driver, connection,
 * transactions) is the same on every Keel database.
 */
export interface KeelBackend {
  createAdapter(): DialectAdapter;
  // biome-ignore lint/suspicious/noExplicitAny: kysely's Dialect interface types the database as Kysely<any>.
  createIntrospector(db: Kysely<any>): DatabaseIntrospector;
  createQueryCompiler(): QueryCompiler;
  /**
   * The statement that gives a new transaction the requested isolation level and access mode,
   * run first inside it; `undefined` when there is nothing to set. Throws a `TRANSACTION`
   * `SqlError` for settings the database cannot honour.
   */
  transactionSettings(settings: TransactionSettings): string | undefined;
}
