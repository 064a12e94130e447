import { ResultAsync, err, ok, type Result } from 'neverthrow';
import { describeValue } from '../errors/describe-value.js';
import { inTransactionContext } from '../observability/transaction-context.js';
import type { SqlTransaction, TransactionOptions, TransactionRunner } from './sql-contract.js';
import { SqlError } from './sql-errors.js';

/** The most `retries` a caller may ask for: past it, retrying hides a problem instead of riding one out. */
const maxRetries = 20;

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
  const once = <T, E>(fn: (tx: SqlTransaction) => unknown) =>
    new ResultAsync<T, E | SqlError>(
      (async (): Promise<Result<T, E | SqlError>> => {
        const begun = await begin();
        if (begun.isErr()) return err(begun.error);
        const tx = begun.value;
        let outcome: unknown;
        try {
          outcome = await inTransactionContext(tx, () => fn(tx));
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
  return <T, E>(fn: (tx: SqlTransaction) => unknown, options?: TransactionOptions) => {
    const retries = retriesOf(options);
    if (retries === 0) return once<T, E>(fn);
    return new ResultAsync<T, E | SqlError>(
      (async () => {
        for (let attempt = 0; ; attempt++) {
          const outcome = await once<T, E>(fn);
          if (outcome.isOk() || attempt >= retries || !isBusy(outcome.error)) return outcome;
          // Random and growing, so that two transactions that deadlocked do not meet again.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 ** attempt * 5)));
        }
      })(),
    );
  };
}

function retriesOf(options: TransactionOptions | undefined): number {
  const retries = options?.retries ?? 0;
  if (!Number.isSafeInteger(retries) || retries < 0 || retries > maxRetries)
    throw new TypeError(
      `transaction: retries must be an integer from 0 to ${maxRetries}, got ${describeValue(retries)}`,
    );
  return retries;
}

function isBusy(error: unknown): boolean {
  return error instanceof SqlError && error.code === 'BUSY';
}

function isResult(value: unknown): value is Result<unknown, unknown> {
  return (
    typeof (value as Result<unknown, unknown> | null)?.isErr === 'function' &&
    typeof (value as Result<unknown, unknown>).isOk === 'function'
  );
}
