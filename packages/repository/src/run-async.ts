import { type Result, ResultAsync, type Sql, type SqlTransaction, err } from '@keel/core';
import type { Program, SingleQuery, Step, UnitStep } from './operation-steps.js';
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
  const outcome = drive(place, [program], first, { on: place.sql, tx: undefined });
  return new ResultAsync(Promise.resolve(outcome as Outcome<T>));
}

/** Runs an operation that is one query on the database (see `SingleQuery`). */
export function runQueryAsync<T>(
  place: AsyncPlace,
  one: Result<SingleQuery<T>, RepositoryError>,
): ResultAsync<T, RepositoryError> {
  if (one.isErr()) return new ResultAsync(Promise.resolve(err(one.error)));
  const { statement, params, finish } = one.value;
  // A ResultAsync's `then` is its promise's, so this is one promise hop past the query's answer.
  return new ResultAsync(place.sql.query(statement, params).then(finish) as Promise<Result<T, RepositoryError>>);
}

type Outcome<T> = Result<T, RepositoryError> | PromiseLike<Result<T, RepositoryError>>;

/**
 * Answers each step of the innermost program (the last of `programs`) until the outermost
 * returns. A unit that needs no transaction of its own runs its body right here, one program
 * deeper, not in a drive of its own. Written with `then`, not `await`: each hop costs a turn of
 * the microtask queue, and `findById` (one statement) is the hot path.
 */
function drive(
  place: AsyncPlace,
  programs: Program<unknown>[],
  first: IteratorResult<Step, Result<unknown, RepositoryError>>,
  db: Db,
): Outcome<unknown> {
  let next = first;
  for (;;) {
    if (next.done) {
      programs.pop();
      const outer = programs.at(-1);
      if (outer === undefined) return next.value;
      next = outer.next(next.value);
      continue;
    }
    const step = next.value;
    if (step.kind === 'unit' && db.tx === undefined && step.tx === undefined && !(step.write && step.many)) {
      const body = step.body(false);
      programs.push(body);
      next = body.next();
      continue;
    }
    const answer = answered(place, step, db);
    const program = programs.at(-1) as Program<unknown>;
    const resume = (value: unknown) => drive(place, programs, program.next(value), db);
    return isThenable(answer) ? answer.then(resume) : resume(answer);
  }
}

function answered(place: AsyncPlace, step: Step, db: Db): unknown {
  switch (step.kind) {
    case 'query':
      return db.on.query(step.statement, step.params);
    case 'execute':
      return db.on.execute(step.statement, step.params);
    case 'unit':
      return unit(place, step);
    case 'wait':
      return step.promise;
    case 'publish':
      return published(place, db, step.events);
  }
}

function unit(place: AsyncPlace, step: UnitStep): Outcome<unknown> {
  const run = (db: Db) => {
    const body = step.body(db.tx !== undefined);
    return drive(place, [body], body.next(), db);
  };
  const within = (tx: SqlTransaction) => run({ on: tx, tx });
  const { tx } = step;
  if (tx === undefined) {
    if (!step.write || !step.many) return run({ on: place.sql, tx: undefined });
    return place.sql.transaction(within).mapErr(place.fail.sql(step.op, place.keys));
  }
  if (!isTransaction(tx)) return err(notInTransaction(place.fail, step.op));
  // Without savepoints a failed write may leave part of itself in the caller's transaction,
  // which the caller then rolls back (`transaction(fn)` does on an Err).
  if (!step.write || !place.sql.capabilities.savepoints) return within(tx);
  return tx.transaction(within).mapErr(place.fail.sql(step.op, place.keys));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
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
