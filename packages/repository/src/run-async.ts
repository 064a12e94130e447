import { type Result, ResultAsync, type Sql, type SqlTransaction, err } from '@keel/core';
import type { Program, Step, UnitStep } from './operation-steps.js';
import type { Failures, RepositoryError } from './repository-errors.js';
import type { RepositoryEventPublisher } from './repository-options.js';

/** What the asynchronous runner needs of a repository (its context has it). */
export interface AsyncPlace {
  readonly sql: Sql;
  readonly fail: Failures;
  /** The id's field name, then each unique field's: what a `DUPLICATE` may be about. */
  readonly keys: readonly string[];
  readonly events: RepositoryEventPublisher | undefined;
}

/** Where statements go: the database, a transaction, or a savepoint in the caller's. */
interface Db {
  readonly on: Pick<SqlTransaction, 'query' | 'execute'>;
  /** The transaction the statements run in, when they run in one (events are published in it). */
  readonly tx: SqlTransaction | undefined;
}

/**
 * Runs an operation on the asynchronous `Sql`. The program's first step is taken at once, so
 * that a programming mistake (an operation the definition does not have) throws to the caller.
 */
export function runAsync<T>(place: AsyncPlace, program: Program<T>): ResultAsync<T, RepositoryError> {
  const first = program.next();
  if (first.done) return new ResultAsync(Promise.resolve(first.value));
  return new ResultAsync(drive(place, program, first, { on: place.sql, tx: undefined }));
}

/** Answers each step until the program returns; awaits only the statements (each await costs a turn). */
async function drive<T>(
  place: AsyncPlace,
  program: Program<T>,
  first: IteratorResult<Step, Result<T, RepositoryError>>,
  db: Db,
): Promise<Result<T, RepositoryError>> {
  let next = first;
  while (!next.done) {
    const step = next.value;
    let answer: unknown;
    switch (step.kind) {
      case 'query':
        answer = await db.on.query(step.statement, step.params);
        break;
      case 'execute':
        answer = await db.on.execute(step.statement, step.params);
        break;
      case 'unit':
        answer = await unit(place, step);
        break;
      case 'wait':
        answer = await step.promise;
        break;
      case 'publish':
        answer = await published(place, db, step.events);
        break;
    }
    next = program.next(answer);
  }
  return next.value;
}

function unit(place: AsyncPlace, step: UnitStep): PromiseLike<Result<unknown, RepositoryError>> {
  const run = (db: Db) => {
    const body = step.body(db.tx !== undefined);
    return drive(place, body, body.next(), db);
  };
  const within = (tx: SqlTransaction) => run({ on: tx, tx });
  const { tx } = step;
  if (tx === undefined) {
    if (!step.write || !step.many) return run({ on: place.sql, tx: undefined });
    return place.sql.transaction(within).mapErr(place.fail.sql(step.op, place.keys));
  }
  if (!isTransaction(tx)) return Promise.resolve(err(notInTransaction(place.fail, step.op)));
  // Without savepoints a failed write may leave part of itself in the caller's transaction,
  // which the caller then rolls back (`transaction(fn)` does on an Err).
  if (!step.write || !place.sql.capabilities.savepoints) return within(tx);
  return tx.transaction(within).mapErr(place.fail.sql(step.op, place.keys));
}

async function published(place: AsyncPlace, db: Db, events: Parameters<RepositoryEventPublisher['publish']>[1]) {
  if (place.events === undefined || db.tx === undefined) return err('no events publisher or no transaction');
  try {
    return (await place.events.publish(db.tx, events)) as Result<unknown, unknown>;
  } catch (thrown) {
    return err(thrown);
  }
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

/** `NOT_IN_TRANSACTION`: `options.tx` is not a transaction this runner can use. */
export function notInTransaction(fail: Failures, op: string, sync = false): RepositoryError {
  return fail(
    'NOT_IN_TRANSACTION',
    op,
    sync
      ? 'options.tx must be a synchronous transaction (keel.sql.sync.begin()), not a Sql or an asynchronous transaction'
      : 'options.tx must be a transaction (keel.sql.transaction(async (tx) => …)), not a Sql',
  );
}
