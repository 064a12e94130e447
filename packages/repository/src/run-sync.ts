import { type Result, type SqlSync, type SqlTransactionSync, err } from '@keel/core';
import type { Program, SingleQuery, UnitStep } from './operation-steps.js';
import type { Failures, RepositoryError } from './repository-errors.js';
import { notInTransaction } from './run-async.js';

/** What the synchronous runner needs of a repository. */
export interface SyncPlace {
  readonly sync: SqlSync;
  readonly savepoints: boolean;
  readonly fail: Failures;
  readonly keys: readonly string[];
}

type Statements = Pick<SqlSync, 'query' | 'execute'>;

/**
 * Runs an operation on `sql.sync`: every step answered at once. What only an await could answer
 * (an asynchronous schema, events) ends the operation with `UNSUPPORTED`, its transaction rolled back.
 */
export function runSync<T>(
  place: SyncPlace,
  program: Program<T>,
  on: Statements = place.sync,
): Result<T, RepositoryError> {
  let next = program.next();
  while (!next.done) {
    const step = next.value;
    let answer: unknown;
    switch (step.kind) {
      case 'query':
        answer = on.query(step.statement, step.params);
        break;
      case 'execute':
        answer = on.execute(step.statement, step.params);
        break;
      case 'unit':
        answer = unit(place, step);
        break;
      case 'wait':
        // Nobody will read it: a rejection must not go unhandled.
        step.promise.then(undefined, () => undefined);
        return err(place.fail('UNSUPPORTED', step.op, step.why));
      case 'publish':
        return err(
          place.fail(
            'UNSUPPORTED',
            step.op,
            'events are published asynchronously, which repository.sync cannot wait for',
          ),
        );
    }
    next = program.next(answer);
  }
  return next.value;
}

/** Runs an operation that is one query on the database (see `SingleQuery`). */
export function runQuerySync<T>(
  place: SyncPlace,
  one: Result<SingleQuery<T>, RepositoryError>,
): Result<T, RepositoryError> {
  if (one.isErr()) return err(one.error);
  return one.value.finish(place.sync.query(one.value.statement, one.value.params));
}

function unit(place: SyncPlace, step: UnitStep): Result<unknown, RepositoryError> {
  const { tx } = step;
  if (tx === undefined) {
    if (!step.write || !step.many) return runSync(place, step.body(false));
    const begun = place.sync.begin();
    if (begun.isErr()) return err(place.fail.sql(step.op, place.keys)(begun.error));
    return within(place, step, begun.value);
  }
  if (!isSyncTransaction(tx)) return err(notInTransaction(place.fail, step.op, true));
  if (!step.write || !place.savepoints) return runSync(place, step.body(true), tx);
  const savepoint = tx.begin();
  if (savepoint.isErr()) return err(place.fail.sql(step.op, place.keys)(savepoint.error));
  return within(place, step, savepoint.value);
}

/** The body in a transaction (or savepoint) of its own: committed on `Ok`, rolled back on `Err` or a throw. */
function within(place: SyncPlace, step: UnitStep, tx: SqlTransactionSync): Result<unknown, RepositoryError> {
  let result: Result<unknown, RepositoryError>;
  try {
    result = runSync(place, step.body(true), tx);
  } catch (thrown) {
    tx.rollback();
    throw thrown;
  }
  if (result.isErr()) {
    // The operation's error says what went wrong; a failed rollback adds nothing to it.
    tx.rollback();
    return result;
  }
  const committed = tx.commit();
  return committed.isErr() ? err(place.fail.sql(step.op, place.keys)(committed.error)) : result;
}

/**
 * A Keel synchronous transaction (`sql.sync.begin()`): a `depth` of 1 or more, `begin`, `commit`
 * and `rollback`, and no `transaction(fn)`, which only the asynchronous one has.
 */
function isSyncTransaction(value: unknown): value is SqlTransactionSync {
  const candidate = value as (Partial<SqlTransactionSync> & { transaction?: unknown }) | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.depth === 'number' &&
    candidate.depth >= 1 &&
    typeof candidate.begin === 'function' &&
    typeof candidate.commit === 'function' &&
    typeof candidate.transaction !== 'function'
  );
}
