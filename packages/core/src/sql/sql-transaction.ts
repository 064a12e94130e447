import type { Result } from 'neverthrow';
import type { SqlExecuteResult, SqlParams, SqlQueryResult } from './sql-contract.js';
import type { SqlTransactionDriver } from './sql-driver.js';
import { SqlError } from './sql-errors.js';
import type { SqlOutcome } from './sql-runner.js';
import type { StatementGuard } from './sql-statement-guard.js';

export interface TransactionState {
  ended: 'committed' | 'rolled back' | undefined;
  ending: boolean;
  child: TransactionState | undefined;
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
 */
export function guardTransaction<T>(
  guard: StatementGuard,
  present: (face: TransactionFace) => T,
  driver: SqlTransactionDriver,
  depth: number,
  parent?: TransactionState,
  claimed?: TransactionState,
): T {
  const { runner, adapter } = guard;
  const state: TransactionState = claimed ?? { ended: undefined, ending: false, child: undefined };
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
    const ended = runner.run(op, () => (op === 'commit' ? driver.commit() : driver.rollback()));
    return runner.then(ended, (result: Result<void, SqlError>) => {
      state.ending = false;
      // A failed commit leaves the transaction open so the caller can still roll back.
      if (result.isOk() || op === 'rollback') {
        state.ended = outcome;
        for (let c = state.child; c; c = c.child) c.ended ??= outcome;
      }
      return result;
    });
  };

  return present({
    depth,
    query(statement, params) {
      const refused = refuse('query');
      return refused
        ? runner.fail(refused)
        : guard.statement('query', statement, params, () => driver.query(statement, params));
    },
    execute(statement, params) {
      const refused = refuse('execute');
      return refused
        ? runner.fail(refused)
        : guard.statement('execute', statement, params, () => driver.execute(statement, params));
    },
    executeScript(script) {
      const refused = refuse('executeScript');
      return refused
        ? runner.fail(refused)
        : guard.statement('executeScript', script, undefined, () => driver.executeScript(script));
    },
    begin() {
      const refused = refuse('begin');
      if (refused) return runner.fail(refused);
      // The savepoint holds the parent from now, not from when begin answers: parent work sent
      // in between would otherwise run inside it. A begin that fails lets the parent go.
      const claim: TransactionState = { ended: undefined, ending: false, child: undefined };
      state.child = claim;
      return runner.then(
        runner.run('begin', () => driver.begin()),
        (begun) => {
          if (begun.isErr()) claim.ended = 'rolled back';
          return begun.map((child) => guardTransaction(guard, present, child, depth + 1, state, claim));
        },
      );
    },
    commit: () => end('commit', 'committed'),
    rollback: () => end('rollback', 'rolled back'),
  });
}
