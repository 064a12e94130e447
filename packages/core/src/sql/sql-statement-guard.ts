import type { Context } from '@opentelemetry/api';
import { SqlError } from './sql-errors.js';
import type { SqlRunner, SqlOutcome } from './sql-runner.js';
import type { SqlParams } from './sql-contract.js';
import { sqlParamsProblem } from './sql-values.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';

/** Validates a statement call, then runs it through one surface's runner. */
export interface StatementGuard {
  readonly adapter: string;
  readonly runner: SqlRunner;
  /** `parent`: the span of the transaction the statement runs in. */
  statement<T>(
    op: string,
    statement: string,
    params: SqlParams | undefined,
    fn: () => MaybePromise<T>,
    parent?: Context,
  ): SqlOutcome<T>;
}

export function statementGuard(adapter: string, runner: SqlRunner): StatementGuard {
  return {
    adapter,
    runner,
    statement(op, statement, params, fn, parent) {
      if (typeof statement !== 'string')
        throw new TypeError(`sql.${op}: statement must be a string, got ${typeof statement}`);
      const problem = sqlParamsProblem(op, params);
      if (problem) return runner.fail(new SqlError({ code: 'INVALID_PARAMETER', message: problem, adapter, op }));
      return runner.run(op, fn, statement, parent);
    },
  };
}
