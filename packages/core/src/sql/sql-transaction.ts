import type { Result } from 'neverthrow';
import type { CallWatch } from '../observability/call-observer.js';
import { rememberTransactionContext } from '../observability/transaction-context.js';
import type { SqlExecuteResult, SqlParams, SqlQueryResult } from './sql-contract.js';
import type { SqlTransactionDriver } from './sql-driver.js';
import { SqlError } from './sql-errors.js';
import type { SqlOutcome } from './sql-runner.js';
import type { StatementGuard } from './sql-statement-guard.js';

export interface TransactionState {
  ended: 'committed' | 'rolled back' | undefined;
  ending: boolean;
  child: TransactionState | undefined;
  /** The transaction's span and metrics, when observed. */
  watch?: CallWatch | undefined;
}

/** A guarded transaction's operations on one surface, before that surface presents it. */
export interface TransactionFace {
  readonly depth: number;
  query(statement: string, params?: SqlParams): SqlOutcome<SqlQueryResult>;
  execute(statement: string, params?: SqlParams): SqlOutcome<SqlExecuteResult>;
  executeScript(script: string): SqlOutcome<void>;
  begin(): SqlOutcome<unknown>;
  commit(): SqlOutcome<void>;
  rollback(): SqlOutcome<void>;
}

/**
 * Wraps a driver transaction so that it is used in order: nothing runs after it ends, and the
 * parent does nothing while a savepoint inside it is open (except roll back, which ends both).
 * A savepoint links its state into its parent's. `present` finishes the object for its surface
 * (the async one adds `transaction(fn)`), for this transaction and every savepoint in it.
 * `watch` is the transaction's span when observed: its statements are the span's children, and
 * the span ends with the transaction.
 */
export function guardTransaction<T>(
  guard: StatementGuard,
  present: (face: TransactionFace) => T,
  driver: SqlTransactionDriver,
  depth: number,
  parent?: TransactionState,
  claimed?: TransactionState,
  watch?: CallWatch,
): T {
  const { runner, adapter } = guard;
  const state: TransactionState = claimed ?? { ended: undefined, ending: false, child: undefined };
  state.watch = watch;
  const within = watch?.context;
  if (parent) parent.child = state;
  const refuse = (op: string): SqlError | undefined => {
    let message: string | undefined;
    if (state.ended) message = `the transaction is already ${state.ended}`;
    else if (state.ending) message = 'the transaction is ending';
    else if (state.child && !state.child.ended && op !== 'rollback')
      message = 'a nested transaction is still open; end it first';
    return message ? new SqlError({ code: 'TRANSACTION', message, adapter, op }) : undefined;
  };
  const end = (op: 'commit' | 'rollback', outcome: 'committed' | 'rolled back'): SqlOutcome<void> => {
    const refused = refuse(op);
    if (refused) return runner.fail(refused);
    state.ending = true;
    const ended = runner.run(op, () => (op === 'commit' ? driver.commit() : driver.rollback()), undefined, within);
    return runner.then(ended, (result: Result<void, SqlError>) => {
      state.ending = false;
      // A failed commit leaves the transaction open so the caller can still roll back.
      if (result.isOk() || op === 'rollback') {
        for (let c: TransactionState | undefined = state; c; c = c.child) {
          // A savepoint that ended before keeps its outcome, and its span ended with it.
          if (c !== state && c.ended) continue;
          c.ended = outcome;
          c.watch?.set('keel.transaction.outcome', outcome);
          c.watch?.end(result.isErr() ? result.error : undefined);
        }
      }
      return result;
    });
  };

  const presented = present({
    depth,
    query(statement, params) {
      const refused = refuse('query');
      return refused
        ? runner.fail(refused)
        : guard.statement('query', statement, params, () => driver.query(statement, params), within);
    },
    execute(statement, params) {
      const refused = refuse('execute');
      return refused
        ? runner.fail(refused)
        : guard.statement('execute', statement, params, () => driver.execute(statement, params), within);
    },
    executeScript(script) {
      const refused = refuse('executeScript');
      return refused
        ? runner.fail(refused)
        : guard.statement('executeScript', script, undefined, () => driver.executeScript(script), within);
    },
    begin() {
      const refused = refuse('begin');
      if (refused) return runner.fail(refused);
      // The savepoint holds the parent from now, not from when begin answers: parent work sent
      // in between would otherwise run inside it. A begin that fails lets the parent go.
      const claim: TransactionState = { ended: undefined, ending: false, child: undefined };
      state.child = claim;
      const savepoint = runner.watch('savepoint', within);
      return runner.then(
        runner.run('begin', () => driver.begin(), undefined, savepoint?.context),
        (begun) => {
          if (begun.isErr()) {
            claim.ended = 'rolled back';
            savepoint?.end(begun.error);
          }
          return begun.map((child) => guardTransaction(guard, present, child, depth + 1, state, claim, savepoint));
        },
      );
    },
    commit: () => end('commit', 'committed'),
    rollback: () => end('rollback', 'rolled back'),
  });
  if (within !== undefined) rememberTransactionContext(presented as object, within);
  return presented;
}
