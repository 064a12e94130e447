import { ResultAsync, err, errAsync, ok, type Result } from 'neverthrow';
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

interface TransactionState {
  ended: 'committed' | 'rolled back' | undefined;
  ending: boolean;
  child: TransactionState | undefined;
}

/**
 * Wraps a driver transaction so that it is used in order: nothing runs after it ends, and the
 * parent does nothing while a savepoint inside it is open (except roll back, which ends both).
 */
export function guardTransaction(guard: StatementGuard, driver: SqlTransactionDriver, depth: number): SqlTransaction {
  const state: TransactionState = { ended: undefined, ending: false, child: undefined };
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
      Promise.resolve(ended).then((result) => {
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
      return guard.run('begin', () => driver.begin()).map((childDriver) => {
        const child = guardTransaction(guard, childDriver, depth + 1);
        state.child = stateOf(child);
        return child;
      });
    },
    commit: () => end('commit', 'committed'),
    rollback: () => end('rollback', 'rolled back'),
    transaction: undefined as unknown as TransactionRunner,
  };
  states.set(tx, state);
  (tx as { transaction: TransactionRunner }).transaction = transactionRunner(guard.adapter, () => tx.begin());
  return Object.freeze(tx);
}

const states = new WeakMap<SqlTransaction, TransactionState>();
function stateOf(tx: SqlTransaction): TransactionState {
  return states.get(tx) as TransactionState;
}

/** `transaction(fn)` over any `begin`: commit on `Ok`, roll back on `Err` or a throw. */
export function transactionRunner(adapter: string, begin: () => ResultAsync<SqlTransaction, SqlError>): TransactionRunner {
  return <T, E>(fn: (tx: SqlTransaction) => unknown) =>
    begin().andThen(
      (tx) =>
        new ResultAsync<T, E | SqlError>(
          (async (): Promise<Result<T, E | SqlError>> => {
            let outcome: Result<T, E>;
            try {
              outcome = (await fn(tx)) as Result<T, E>;
            } catch (thrown) {
              await tx.rollback();
              const message = thrown instanceof Error ? thrown.message : String(thrown);
              return err(
                new SqlError({
                  code: 'TRANSACTION',
                  message: `the transaction callback threw (${message}); rolled back`,
                  adapter,
                  op: 'transaction',
                  cause: thrown,
                }),
              );
            }
            if (outcome.isErr()) {
              await tx.rollback();
              return outcome;
            }
            const committed = await tx.commit();
            if (committed.isErr()) {
              await tx.rollback();
              return err(committed.error);
            }
            return ok(outcome.value);
          })(),
        ),
    );
}
