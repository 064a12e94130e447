import {
  type Result,
  ResultAsync,
  type SqlError,
  type SqlTransaction,
  type SqlValue,
  currentContext,
  err,
  ok,
} from '@keel/core';
import type { FieldLayout } from './definition-types.js';
import { kindProblem, toSql } from './field-kinds.js';
import type { RepositoryContext } from './repository-context.js';
import type { RepositoryError } from './repository-errors.js';
import type { OperationOptions } from './repository-types.js';

/** Where an operation's statements go: the database, a transaction, or a savepoint in the caller's. */
export interface Db {
  /** Runs the statements (called as methods: `db.on.query(…)`). */
  readonly on: Pick<SqlTransaction, 'query' | 'execute'>;
  /** The transaction the statements run in, when they run in one (events are published in it). */
  readonly tx: SqlTransaction | undefined;
}

type Outcome<T> = Promise<Result<T, RepositoryError>>;

const noTenant = ok<string, RepositoryError>('');

/** The tenant an operation is limited to: `''` when not tenant-scoped, `NO_TENANT` when the context has none. */
export function tenantOf(context: RepositoryContext, op: string): Result<string, RepositoryError> {
  if (!context.definition.tenantScoped) return noTenant;
  const { tenantId } = currentContext();
  if (typeof tenantId === 'string' && tenantId !== '') return ok(tenantId);
  return err(
    context.fail(
      'NO_TENANT',
      op,
      'the repository is tenant-scoped and the context has no tenantId; run it inside runInContext({ tenantId }, …)',
    ),
  );
}

/** An id as a statement parameter, or `VALIDATION` naming the id field. */
export function idParam(context: RepositoryContext, op: string, id: unknown): Result<SqlValue, RepositoryError> {
  const field = context.definition.fields[0] as FieldLayout;
  const problem = kindProblem(field.kind, id);
  if (problem === undefined) return ok(toSql(field.kind, id));
  return err(
    context.fail('VALIDATION', op, `${field.name} (the id) is stored as ${field.kind}: ${problem}`, {
      field: field.name,
      issues: [{ path: field.name, message: problem }],
    }),
  );
}

/**
 * Runs a read: in the caller's transaction when given one, else on the database.
 */
export function read<T>(
  context: RepositoryContext,
  op: string,
  options: OperationOptions | undefined,
  body: (db: Db) => Outcome<T>,
): ResultAsync<T, RepositoryError> {
  const tx = options?.tx;
  if (tx === undefined) return new ResultAsync(body(direct(context)));
  if (!isTransaction(tx)) return new ResultAsync(Promise.resolve(err(notInTransaction(context, op))));
  return new ResultAsync(body({ on: tx, tx }));
}

/**
 * Runs a write so that it is all or nothing. In the caller's transaction it takes a savepoint,
 * so a failure leaves that transaction as it was (and usable, even on PostgreSQL); otherwise it
 * runs in a transaction of its own when it writes more than one statement (`many`), or straight
 * on the database.
 */
export function write<T>(
  context: RepositoryContext,
  op: string,
  options: OperationOptions | undefined,
  many: boolean,
  body: (db: Db) => Outcome<T>,
): ResultAsync<T, RepositoryError> {
  const tx = options?.tx;
  if (tx !== undefined) {
    if (!isTransaction(tx)) return new ResultAsync(Promise.resolve(err(notInTransaction(context, op))));
    // Without savepoints a failed write may leave part of itself in the caller's transaction,
    // which the caller then rolls back (`transaction(fn)` does on an Err).
    if (!context.sql.capabilities.savepoints) return new ResultAsync(body(inTransaction(tx)));
    return tx.transaction((inner) => body(inTransaction(inner))).mapErr(context.fail.sql(op, context.keys));
  }
  if (!many) return new ResultAsync(body(direct(context)));
  return context.sql.transaction((inner) => body(inTransaction(inner))).mapErr(context.fail.sql(op, context.keys));
}

/** A `SqlError` as the operation's error. */
export function sqlFailure(context: RepositoryContext, op: string): (cause: SqlError) => RepositoryError {
  return context.fail.sql(op, context.keys);
}

function direct(context: RepositoryContext): Db {
  return { on: context.sql, tx: undefined };
}

function inTransaction(tx: SqlTransaction): Db {
  return { on: tx, tx };
}

/** A Keel transaction has a `depth` of 1 or more; a plain `Sql` has none. */
function isTransaction(value: unknown): value is SqlTransaction {
  const candidate = value as Partial<SqlTransaction> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.depth === 'number' &&
    candidate.depth >= 1 &&
    typeof candidate.transaction === 'function'
  );
}

function notInTransaction(context: RepositoryContext, op: string): RepositoryError {
  return context.fail(
    'NOT_IN_TRANSACTION',
    op,
    'options.tx must be a transaction (keel.sql.transaction(async (tx) => …)), not a Sql',
  );
}
