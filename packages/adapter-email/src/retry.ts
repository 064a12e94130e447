import { EmailError, err, ok, type Result } from '@keel/core';
import { retryLoop, type RetryDeps, type RetryPolicy } from '@keel/core/adapter';
import { isCircuitOpen } from './circuit-breaker.js';

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, runs out of tries, or the
 * next wait would pass `maxElapsedMs` — core's `retryLoop`, on thrown `EmailError`s. Only those
 * whose code is retryable are tried again, and never an open circuit (it fails fast so that a
 * failover chain moves on).
 *
 * @example
 * const receipt = await withRetry((n) => post(message), policy, { clock, sleep, random });
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps,
): Promise<T> {
  const outcome = await retryLoop<T, unknown>(
    (n) =>
      attempt(n).then(
        (value): Result<T, unknown> => ok(value),
        (thrown: unknown): Result<T, unknown> => err(thrown),
      ),
    policy,
    deps,
    (thrown) =>
      thrown instanceof EmailError && thrown.retryable && !isCircuitOpen(thrown)
        ? { retry: true, ...(thrown.retryAfterMs === undefined ? {} : { retryAfterMs: thrown.retryAfterMs }) }
        : { retry: false },
  );
  if (outcome.isOk()) return outcome.value;
  const { error, attempts, stop, delayMs } = outcome.error;
  if (stop === 'final') throw error;
  const why = stop === 'no tries left' ? 'no tries left' : `waiting ${delayMs} ms more would pass maxElapsedMs`;
  throw gaveUp(error as EmailError, attempts, why);
}

/** The last error, its message saying how many tries were made. */
function gaveUp(error: EmailError, attempts: number, why: string): EmailError {
  if (attempts === 1 && why === 'no tries left') return error;
  return new EmailError({
    code: error.code,
    message: `${error.message} (gave up after ${attempts} ${attempts === 1 ? 'try' : 'tries'}: ${why})`,
    adapter: error.adapter,
    op: error.op,
    cause: error,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(error.status === undefined ? {} : { status: error.status }),
  });
}
