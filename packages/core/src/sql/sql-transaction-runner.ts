import { ResultAsync, err, ok, type Result } from 'neverthrow';
import { describeValue } from '../errors/describe-value.js';
import type { SqlTransaction, TransactionRunner } from './sql-contract.js';
import { SqlError } from './sql-errors.js';

/** `transaction(fn)` over any `begin`: commit on `Ok`, roll back on `Err` or a throw. */
export function transactionRunner(
  adapter: string,
  begin: () => ResultAsync<SqlTransaction, SqlError>,
): TransactionRunner {
  const failed = (message: string, cause?: unknown) =>
    new SqlError({
      code: 'TRANSACTION',
      message,
      adapter,
      op: 'transaction',
      ...(cause === undefined ? {} : { cause }),
    });
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

function isResult(value: unknown): value is Result<unknown, unknown> {
  return (
    typeof (value as Result<unknown, unknown> | null)?.isErr === 'function' &&
    typeof (value as Result<unknown, unknown>).isOk === 'function'
  );
}
