import type { Result, ResultAsync, SqlTransaction, SqlTransactionSync } from '@keel/core';
import type { RepositoryDefinition } from './definition-types.js';
import type { JsonValue } from './field-kinds.js';
import type { RepositoryError } from './repository-errors.js';

/** What the repository keeps on every entity. */
export interface EntityMeta {
  /** 1 on create, one more on every change: the `expectedVersion` of the next update. */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Set while soft-deleted. */
  readonly deletedAt?: Date;
  /** `currentContext().actor` of the delete, while soft-deleted. */
  readonly deletedBy?: string;
}

/** An entity as stored: its fields and the repository's. */
export type Stored<E> = E & EntityMeta;

/**
 * Every operation: join the caller's transaction (a unit of work). `Tx` is `SqlTransactionSync`
 * for `repository.sync` (a transaction from `keel.sql.sync.begin()`).
 */
export interface OperationOptions<Tx = SqlTransaction> {
  /** Runs in this transaction (`keel.sql.transaction(async (tx) => …)`); writes take a savepoint in it. */
  readonly tx?: Tx;
}

export interface ReadOptions<Tx = SqlTransaction> extends OperationOptions<Tx> {
  /** Soft-deleted entities count too. @default false */
  readonly withDeleted?: boolean;
}

export interface WriteOptions<Tx = SqlTransaction> extends OperationOptions<Tx> {
  /** The version the caller read: a different stored version is `CONFLICT`. @default any */
  readonly expectedVersion?: number;
}

type Comparable<V> = Exclude<V, null | undefined>;

/** A filter on one field: a value (equals), or operators that all must hold. */
export type FieldFilter<V> =
  | V
  | null
  | {
      readonly eq?: V | null;
      readonly in?: readonly Comparable<V>[];
      readonly gt?: Comparable<V>;
      readonly gte?: Comparable<V>;
      readonly lt?: Comparable<V>;
      readonly lte?: Comparable<V>;
      /** Text starting with this (case-sensitive). */
      readonly prefix?: string;
    };

/** Filters on fields of the entity and `version`, `createdAt`, `updatedAt` (all must hold). */
export type Where<E> = { readonly [K in keyof Stored<E>]?: FieldFilter<Stored<E>[K]> };

/** One key of an order. */
export interface OrderKey<E> {
  readonly field: keyof Stored<E> & string;
  /** @default 'asc' */
  readonly direction?: 'asc' | 'desc';
}

export interface FindManyOptions<E, Tx = SqlTransaction> extends ReadOptions<Tx> {
  readonly where?: Where<E>;
  /** The order; the id is always the last key, so pages are stable. @default by id */
  readonly orderBy?: OrderKey<E> | readonly OrderKey<E>[];
  /** Entities per page, 1–1000. @default 50 */
  readonly limit?: number;
  /** The `next` of the page before: the page after it. */
  readonly after?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Give as `after` for the next page; absent on the last page. */
  readonly next?: string;
}

/** Old → new per changed field, in JSON form (Dates as ISO text, bigints as decimal text). */
export type FieldChanges = { readonly [field: string]: { readonly old: JsonValue; readonly new: JsonValue } };

/** What a change was. */
export type AuditOperation = 'create' | 'update' | 'delete' | 'restore' | 'revert' | 'purge';

/** One audit record. */
export interface AuditRecord {
  /** Ascending in the order changes committed on SQLite, in the order they were written on PostgreSQL. */
  readonly id: number;
  readonly entity: string;
  readonly entityId: string;
  /** `''` when the repository is not tenant-scoped. */
  readonly tenantId: string;
  readonly operation: AuditOperation;
  /** The entity's version after the change. */
  readonly version: number;
  readonly changes: FieldChanges;
  readonly actor?: string;
  readonly correlationId?: string;
  readonly at: Date;
}

/** Which audit records: all conditions must hold. */
export interface AuditQuery {
  readonly entityId?: string | number | bigint;
  readonly actor?: string;
  readonly correlationId?: string;
  readonly operation?: AuditOperation;
  /** At or after this time. */
  readonly from?: Date;
  /** Before this time. */
  readonly to?: Date;
  /** Records with an id above this one (the last id of the page before). */
  readonly afterId?: number;
  /** 1–1000. @default 100 */
  readonly limit?: number;
}

/** One immutable snapshot of an entity. */
export interface EntityVersion<E> {
  readonly version: number;
  readonly operation: AuditOperation;
  readonly entity: Stored<E>;
  readonly actor?: string;
  readonly correlationId?: string;
  readonly at: Date;
}

/** What `create` takes: the schema's input, the id optional when the definition can make one. */
export type CreateInput<I, K extends string> = I extends object
  ? Omit<I, K & keyof I> & { readonly [P in K & keyof I]?: I[P] }
  : I;

/**
 * A repository: typed operations on one entity table, each a `ResultAsync` that fails with a
 * `RepositoryError`.
 */
export interface Repository<E extends object, K extends keyof E & string, I = E> {
  readonly definition: RepositoryDefinition<E, K, I>;
  /** Validates and inserts; the id is generated when left out and the definition can. */
  create(entity: CreateInput<I, K>, options?: OperationOptions): ResultAsync<Stored<E>, RepositoryError>;
  /** The entity, or `NOT_FOUND`. */
  findById(id: E[K], options?: ReadOptions): ResultAsync<Stored<E>, RepositoryError>;
  /** A page of entities matching `where`, in `orderBy` order. */
  findMany(options?: FindManyOptions<E>): ResultAsync<Page<Stored<E>>, RepositoryError>;
  /** How many entities match `where`. */
  count(options?: ReadOptions & { readonly where?: Where<E> }): ResultAsync<number, RepositoryError>;
  /**
   * Applies `patch` (fields of the entity; the repository's own, such as `version`, are ignored),
   * validates the result and stores it as the next version. Without `expectedVersion`, a change
   * that raced another is applied again on the newer version.
   */
  update(id: E[K], patch: Partial<E>, options?: WriteOptions): ResultAsync<Stored<E>, RepositoryError>;
  /** Soft-deletes (with `softDelete`: the entity is kept, marked) or deletes. Returns the entity as it was left. */
  delete(id: E[K], options?: WriteOptions): ResultAsync<Stored<E>, RepositoryError>;
  /** Undoes a soft delete; `DUPLICATE` when another entity took its unique values meanwhile. */
  restore(id: E[K], options?: WriteOptions): ResultAsync<Stored<E>, RepositoryError>;
  /** Deletes for good, soft-deleted or not, with its snapshots (its audit records stay). */
  purge(id: E[K], options?: WriteOptions): ResultAsync<void, RepositoryError>;
  /** Snapshot `version` of the entity (`versions: true`). */
  version(id: E[K], version: number, options?: OperationOptions): ResultAsync<EntityVersion<E>, RepositoryError>;
  /** Every snapshot of the entity, oldest first (`versions: true`). */
  versions(id: E[K], options?: OperationOptions): ResultAsync<readonly EntityVersion<E>[], RepositoryError>;
  /** The fields that differ from version `from` to version `to`, old → new (`versions: true`). */
  diff(id: E[K], from: number, to: number, options?: OperationOptions): ResultAsync<FieldChanges, RepositoryError>;
  /** Stores a new version whose fields equal those of version `version` (`versions: true`). */
  revert(id: E[K], version: number, options?: WriteOptions): ResultAsync<Stored<E>, RepositoryError>;
  /** This entity's audit records in the current tenant, oldest first (`audit: true`). */
  audit(query?: AuditQuery, options?: OperationOptions): ResultAsync<readonly AuditRecord[], RepositoryError>;
  /**
   * The same operations answered at once, as `Result`, on `sql.sync`: present exactly when the
   * sql is synchronous (`sql.capabilities.synchronous`, e.g. SQLite) and the repository publishes
   * no events (publishing is asynchronous). For callers that cannot await, such as a WebAssembly
   * guest's imports served in-thread.
   */
  readonly sync?: RepositorySync<E, K, I>;
}

type SyncTx = SqlTransactionSync;

/**
 * The synchronous face of a repository (`repository.sync`): the operations of `Repository`,
 * returning `Result`; a unit of work joins a transaction from `keel.sql.sync.begin()`. A schema
 * whose validation returns a Promise is `UNSUPPORTED` here, and nothing is written.
 *
 * @example
 * const found = tasks.sync?.findById('t1'); // Result<Stored<Task>, RepositoryError>
 */
export interface RepositorySync<E extends object, K extends keyof E & string, I = E> {
  create(entity: CreateInput<I, K>, options?: OperationOptions<SyncTx>): Result<Stored<E>, RepositoryError>;
  findById(id: E[K], options?: ReadOptions<SyncTx>): Result<Stored<E>, RepositoryError>;
  findMany(options?: FindManyOptions<E, SyncTx>): Result<Page<Stored<E>>, RepositoryError>;
  count(options?: ReadOptions<SyncTx> & { readonly where?: Where<E> }): Result<number, RepositoryError>;
  update(id: E[K], patch: Partial<E>, options?: WriteOptions<SyncTx>): Result<Stored<E>, RepositoryError>;
  delete(id: E[K], options?: WriteOptions<SyncTx>): Result<Stored<E>, RepositoryError>;
  restore(id: E[K], options?: WriteOptions<SyncTx>): Result<Stored<E>, RepositoryError>;
  purge(id: E[K], options?: WriteOptions<SyncTx>): Result<void, RepositoryError>;
  version(id: E[K], version: number, options?: OperationOptions<SyncTx>): Result<EntityVersion<E>, RepositoryError>;
  versions(id: E[K], options?: OperationOptions<SyncTx>): Result<readonly EntityVersion<E>[], RepositoryError>;
  diff(id: E[K], from: number, to: number, options?: OperationOptions<SyncTx>): Result<FieldChanges, RepositoryError>;
  revert(id: E[K], version: number, options?: WriteOptions<SyncTx>): Result<Stored<E>, RepositoryError>;
  audit(query?: AuditQuery, options?: OperationOptions<SyncTx>): Result<readonly AuditRecord[], RepositoryError>;
}
