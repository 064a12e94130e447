import type { Result, SqlError, SqlExecuteResult, SqlQueryResult, SqlValue } from '@keel/core';
import type { RepositoryError } from './repository-errors.js';
import type { RepositoryEvent } from './repository-options.js';

/**
 * An operation written once as a program of the steps it needs: the runners give each step its
 * answer, the asynchronous one awaiting the `Sql` (`run-async.ts`), the synchronous one over
 * `sql.sync` (`run-sync.ts`). The program holds the repository's logic; a runner only moves the
 * statements to the database and back, and sets up the unit of work.
 */
export type Program<T> = Generator<Step, Result<T, RepositoryError>, unknown>;

export type Step = QueryStep | ExecuteStep | UnitStep | WaitStep | PublishStep;

/** Answered with `Result<SqlQueryResult, SqlError>`. */
export interface QueryStep {
  readonly kind: 'query';
  readonly statement: string;
  readonly params: readonly SqlValue[];
}

/** Answered with `Result<SqlExecuteResult, SqlError>`. */
export interface ExecuteStep {
  readonly kind: 'execute';
  readonly statement: string;
  readonly params: readonly SqlValue[];
}

/**
 * The statements of `body` as one unit of work, answered with its `Result`. A read runs in the
 * caller's transaction (`tx`) when given one, else on the database. A write takes a savepoint
 * in the caller's transaction, or runs in a transaction of its own when it writes more than one
 * statement (`many`), or straight on the database. `body` learns whether it runs in a transaction.
 */
export interface UnitStep {
  readonly kind: 'unit';
  readonly op: string;
  readonly write: boolean;
  readonly many: boolean;
  /** `options.tx` as the caller gave it: the runner checks it is a transaction of its kind. */
  readonly tx: unknown;
  readonly body: (inTransaction: boolean) => Program<unknown>;
}

/**
 * A value that is only ever asynchronous (a Standard Schema whose `validate` returned a
 * Promise), answered with what it resolves to. The synchronous runner ends the operation with
 * `UNSUPPORTED` and `why` instead.
 */
export interface WaitStep {
  readonly kind: 'wait';
  readonly op: string;
  readonly promise: Promise<unknown>;
  readonly why: string;
}

/** Publishes events in the unit's transaction; answered with `Result<unknown, unknown>` (a throw as its `Err`). */
export interface PublishStep {
  readonly kind: 'publish';
  readonly op: string;
  readonly events: RepositoryEvent[];
}

/**
 * An operation that is one query on the database (no caller's transaction), and what reads its
 * answer: the runners run it as it is, without a program. A generator and its steps cost a third
 * of a `findById` on SQLite, and `findById` is the hot path.
 */
export interface SingleQuery<T> {
  readonly statement: string;
  readonly params: readonly SqlValue[];
  finish(answer: Result<SqlQueryResult, SqlError>): Result<T, RepositoryError>;
}

/** Runs one statement and returns its rows. */
export function* query(
  statement: string,
  params: readonly SqlValue[],
): Generator<Step, Result<SqlQueryResult, SqlError>, unknown> {
  return (yield { kind: 'query', statement, params }) as Result<SqlQueryResult, SqlError>;
}

/** Runs one statement that changes data. */
export function* execute(
  statement: string,
  params: readonly SqlValue[],
): Generator<Step, Result<SqlExecuteResult, SqlError>, unknown> {
  return (yield { kind: 'execute', statement, params }) as Result<SqlExecuteResult, SqlError>;
}

/** What a Promise resolves to, in the asynchronous runner. */
export function* wait<T>(op: string, promise: Promise<T>, why: string): Generator<Step, T, unknown> {
  return (yield { kind: 'wait', op, promise, why }) as T;
}

/** Publishes events in the transaction the statements run in. */
export function* publish(op: string, events: RepositoryEvent[]): Generator<Step, Result<unknown, unknown>, unknown> {
  return (yield { kind: 'publish', op, events }) as Result<unknown, unknown>;
}

/** A read: in the caller's transaction when given one, else on the database. */
export function* read<T>(
  op: string,
  tx: unknown,
  body: (inTransaction: boolean) => Program<T>,
): Generator<Step, Result<T, RepositoryError>, unknown> {
  return (yield { kind: 'unit', op, write: false, many: false, tx, body }) as Result<T, RepositoryError>;
}

/** A write, all or nothing (see `UnitStep`). */
export function* write<T>(
  op: string,
  tx: unknown,
  many: boolean,
  body: (inTransaction: boolean) => Program<T>,
): Generator<Step, Result<T, RepositoryError>, unknown> {
  return (yield { kind: 'unit', op, write: true, many, tx, body }) as Result<T, RepositoryError>;
}
