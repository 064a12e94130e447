import type { Context } from '@opentelemetry/api';
import { ResultAsync, err, errAsync, type Result } from 'neverthrow';
import { guardedCall } from '../lifecycle/guarded-call.js';
import { guardedCallSync, type SyncGuardErrors } from '../lifecycle/guarded-call-sync.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import type { CallWatch } from '../observability/call-observer.js';
import type { SqlError } from './sql-errors.js';

/** A sql outcome on either surface: `ResultAsync` on `Sql`, `Result` on `sql.sync`. */
export type SqlOutcome<T> = ResultAsync<T, SqlError> | Result<T, SqlError>;

/**
 * How one surface delivers outcomes, so that the guard's logic (checks, transaction order) is
 * written once for `Sql` and `sql.sync`.
 */
export interface SqlRunner {
  fail(error: SqlError): SqlOutcome<never>;
  /** Runs one driver call; `statement` and `parent` (a transaction's span) are for observation only. */
  run<T>(op: string, fn: () => MaybePromise<T>, statement?: string, parent?: Context): SqlOutcome<T>;
  /** Starts watching a span of several calls (a transaction), when the instance is observed now. */
  watch(op: string, parent?: Context): CallWatch | undefined;
  /** Continues with the settled result: at once on the synchronous surface. */
  then<T, U>(outcome: SqlOutcome<T>, fn: (result: Result<T, SqlError>) => Result<U, SqlError>): SqlOutcome<U>;
}

export function asyncSqlRunner(lifecycle: Lifecycle, errors: SyncGuardErrors<SqlError>): SqlRunner {
  return {
    fail: (error) => errAsync(error),
    run: (op, fn, statement, parent) => guardedCall(lifecycle, errors, op, fn, undefined, statement, parent),
    watch: (op, parent) => watchOf(lifecycle, op, parent),
    // ResultAsync's `then` is its native promise's: one hop, where `map` would take several.
    then: (outcome, fn) => new ResultAsync((outcome as unknown as Promise<Result<never, SqlError>>).then(fn)),
  };
}

/**
 * The synchronous surface's runner. `busy` says the driver could not answer now (its connection
 * is held by asynchronous work); such a call is a `BUSY` Err instead of a call that would wait.
 */
export function syncSqlRunner(
  lifecycle: Lifecycle,
  errors: SyncGuardErrors<SqlError>,
  busy?: () => boolean,
): SqlRunner {
  return {
    fail: (error) => err(error),
    run: (op, fn, statement, parent) =>
      lifecycle.state === 'open' && busy?.()
        ? err(
            errors.busy(
              op,
              'the connection is held by another caller (an open transaction); a synchronous call cannot wait',
            ),
          )
        : guardedCallSync(lifecycle, errors, op, fn, undefined, statement, parent),
    watch: (op, parent) => watchOf(lifecycle, op, parent),
    then: (outcome, fn) => fn(outcome as Result<never, SqlError>),
  };
}

function watchOf(lifecycle: Lifecycle, op: string, parent: Context | undefined): CallWatch | undefined {
  const observer = lifecycle.observer;
  return observer?.hub.watching ? observer.begin(op, undefined, parent) : undefined;
}
