import { ResultAsync, err, errAsync, ok, type Result } from 'neverthrow';
import { describeValue } from '../errors/describe-value.js';
import { guardedCall, type MaybePromise } from '../lifecycle/guarded-call.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { SqlParams, SqlTransaction, TransactionRunner } from './sql-contract.js';
import type { SqlTransactionDriver } from './sql-driver.js';
import { SqlError } from './sql-errors.js';
import { sqlGuardErrors } from './sql-guard-errors.js';
import { sqlParamsProblem } from './sql-values.js';

/** Shared by the database and transaction guards: validates a statement call, then runs it. */
export interface StatementGuard {
  readonly adapter: string;
  readonly lifecycle: Lifecycle;
  run<T>(op: string, fn: () => MaybePromise<T>): ResultAsync<T, SqlError>;
  statement<T>(op: string, statement: string, params: SqlParams | undefined, fn: () => MaybePromise<T>): ResultAsync<T, SqlError>;
}

export function statementGuard(adapter: string, lifecycle: Lifecycle): StatementGuard {
  const errors = sqlGuardErrors(adapter);
  const run = <T>(op: string, fn: () => MaybePromise<T>) => guardedCall(lifecycle, errors, op, fn);
  return {
    adapter,
    lifecycle,
    run,
    statement(op, statement, params, fn) {
      if (typeof statement !== 'string') throw new TypeError(`sql.${op}: statement must be a string, got ${typeof statement}`);
      const problem = sqlParamsProblem(op, params);
      if (problem) return errAsync(new SqlError({ code: 'INVALID_PARAMETER', message: problem, adapter, op }));
      return run(op, fn);
    },
  };
}

export interface TransactionState {
  ended: 'committed' | 'rolled back' | undefined;
  ending: boolean;
  child: TransactionState | undefined;
}

/**
 * Wraps a driver transaction so that it is used in order: nothing runs after it ends, and the
 * parent does nothing while a savepoint inside it is open (except roll back, which ends both).
 * A savepoint links its state into its parent's.
 */
export function guardTransaction(guard: StatementGuard, driver: SqlTransactionDriver, depth: number, parent?: TransactionState): SqlTransaction {
  const state: TransactionState = { ended: undefined, ending: false, child: undefined };
  if (parent) parent.child = state;
  const refuse = (op: string): SqlError | undefined => {
    let message: string | undefined;
    if (state.ended) message = `the transaction is already ${state.ended}`;
    else if (state.ending) message = 'the transaction is ending';
    else if (state.child && !state.child.ended && op !== 'rollback') message = 'a nested transaction is still open; end it first';
    return message ? new SqlError({ code: 'TRANSACTION', message, adapter: guard.adapter, op }) : undefined;
  };
  const end = (op: 'commit' | 'rollback', outcome: 'committed' | 'rolled back'): ResultAsync<void, SqlError> => {
    const refused = refuse(op);
    if (refused) return errAsync(refused);
    state.ending = true;
    const ended = guard.run(op, () => (op === 'commit' ? driver.commit() : driver.rollback()));
    return new ResultAsync(
      // ResultAsync's `then` is its native promise's: one hop, where `map` would take several.
      (ended as unknown as Promise<Result<void, SqlError>>).then((result) => {
        state.ending = false;
        // A failed commit leaves the transaction open so the caller can still roll back.
        if (result.isOk() || op === 'rollback') {
          state.ended = outcome;
          for (let c = state.child; c; c = c.child) c.ended ??= outcome;
        }
        return result;
      }),
    );
  };

  const tx: SqlTransaction = {
    depth,
    query(statement, params) {
      const refused = refuse('query');
      return refused ? errAsync(refused) : guard.statement('query', statement, params, () => driver.query(statement, params));
    },
    execute(statement, params) {
      const refused = refuse('execute');
      return refused ? errAsync(refused) : guard.statement('execute', statement, params, () => driver.execute(statement, params));
    },
    executeScript(script) {
      const refused = refuse('executeScript');
      return refused ? errAsync(refused) : guard.statement('executeScript', script, undefined, () => driver.executeScript(script));
    },
    begin() {
      const refused = refuse('begin');
      if (refused) return errAsync(refused);
      return wrapBegun(guard.run('begin', () => driver.begin()), (childDriver) => guardTransaction(guard, childDriver, depth + 1, state));
    },
    commit: () => end('commit', 'committed'),
    rollback: () => end('rollback', 'rolled back'),
    transaction: undefined as unknown as TransactionRunner,
  };
  (tx as { transaction: TransactionRunner }).transaction = transactionRunner(guard.adapter, () => tx.begin());
  return Object.freeze(tx);
}

/** `transaction(fn)` over any `begin`: commit on `Ok`, roll back on `Err` or a throw. */
export function transactionRunner(adapter: string, begin: () => ResultAsync<SqlTransaction, SqlError>): TransactionRunner {
  const failed = (message: string, cause?: unknown) =>
    new SqlError({ code: 'TRANSACTION', message, adapter, op: 'transaction', ...(cause === undefined ? {} : { cause }) });
  return <T, E>(fn: (tx: SqlTransaction) => unknown) =>
    new ResultAsync<T, E | SqlError>(
      (async (): Promise<Result<T, E | SqlError>> => {
        const begun = await begin();
        if (begun.isErr()) return err(begun.error);
        const tx = begun.value;
        let outcome: unknown;
        try {
          outcome = await fn(tx);
        } catch (thrown) {
          await tx.rollback();
          const message = thrown instanceof Error ? thrown.message : String(thrown);
          return err(failed(`the transaction callback threw (${message}); rolled back`, thrown));
        }
        // A body that forgot to return its Result must not leave the transaction open.
        if (!isResult(outcome)) {
          await tx.rollback();
          return err(failed(`the transaction callback returned ${describeValue(outcome)}, not a Result; rolled back`));
        }
        if (outcome.isErr()) {
          await tx.rollback();
          return err(outcome.error as E);
        }
        const committed = await tx.commit();
        if (committed.isErr()) {
          await tx.rollback();
          return err(committed.error);
        }
        return ok(outcome.value as T);
      })(),
    );
}

/**
 * Wraps the driver's new transaction once `begin` succeeds. Written out rather than with
 * `ResultAsync.map`, whose generator-based await costs several promise hops per call.
 */
export function wrapBegun(
  begun: ResultAsync<SqlTransactionDriver, SqlError>,
  wrap: (driver: SqlTransactionDriver) => SqlTransaction,
): ResultAsync<SqlTransaction, SqlError> {
  return new ResultAsync((begun as unknown as Promise<Result<SqlTransactionDriver, SqlError>>).then((result) => result.map(wrap)));
}

function isResult(value: unknown): value is Result<unknown, unknown> {
  return typeof (value as Result<unknown, unknown> | null)?.isErr === 'function' && typeof (value as Result<unknown, unknown>).isOk === 'function';
}
