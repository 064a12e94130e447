import { EmailError, type Clock } from '@keel/core';
import { isCircuitOpen } from './circuit-breaker.js';
import type { RetryPolicy } from './reliability.js';

export interface RetryDeps {
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

/**
 * The wait before try `attempt + 1`: "full jitter" — a random time up to a cap that grows
 * exponentially — but never less than the provider's `Retry-After`.
 *
 * @example
 * backoffDelay(1, policy, Math.random, undefined); // somewhere in [0, 250)
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs: number | undefined,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attempt - 1));
  const jittered = Math.floor(random() * cap);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, runs out of tries, or the
 * next wait would pass `maxElapsedMs`. Only `EmailError`s whose code is retryable are tried
 * again, and never an open circuit (it fails fast so that a failover chain moves on).
 *
 * @example
 * const receipt = await withRetry((n) => post(message), policy, { clock, sleep, random });
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps,
): Promise<T> {
  const started = deps.clock.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (thrown) {
      if (!(thrown instanceof EmailError) || !thrown.retryable || isCircuitOpen(thrown)) throw thrown;
      if (n >= policy.maxAttempts) throw gaveUp(thrown, n, 'no tries left');
      const delay = backoffDelay(n, policy, deps.random, thrown.retryAfterMs);
      if (deps.clock.now() - started + delay > policy.maxElapsedMs)
        throw gaveUp(thrown, n, `waiting ${delay} ms more would pass maxElapsedMs`);
      await deps.sleep(delay);
    }
  }
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
