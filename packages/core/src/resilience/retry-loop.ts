import { err, ok, type Result } from 'neverthrow';
import type { Clock } from '../lifecycle/clock.js';
import { backoffDelay, type RetryPolicy } from './backoff.js';

/** What the retry loop waits and draws jitter with; tests pass a manual clock and a fixed random. */
export interface RetryDeps {
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

/** Whether a failure is worth another try, and how long the server asked us to wait first. */
export type RetryVerdict = { readonly retry: false } | { readonly retry: true; readonly retryAfterMs?: number };

/** Why the loop stopped on an error: the error was final, the tries ran out, or the time budget would be passed. */
export type RetryStop = 'final' | 'no tries left' | 'over budget';

/** The last error, how many tries were made, why the loop stopped, and the wait it would have needed. */
export interface RetryFailure<E> {
  readonly error: E;
  readonly attempts: number;
  readonly stop: RetryStop;
  /** The wait that would have passed `maxElapsedMs` (with `stop: 'over budget'`). */
  readonly delayMs?: number;
}

/**
 * Runs `attempt` until it is `Ok`, its error is final (`judge` says no), the tries run out, or
 * the next wait would pass `maxElapsedMs`. Waits are full-jitter backoff, never shorter than a
 * `retryAfterMs` the verdict carries. `onRetry` sees each wait before it starts (metrics, logs).
 *
 * @example
 * const sent = await retryLoop((n) => post(body), policy, { clock, sleep, random }, (e) =>
 *   e.code === 'UNAVAILABLE' ? { retry: true, retryAfterMs: e.retryAfterMs } : { retry: false });
 */
export async function retryLoop<T, E>(
  attempt: (n: number) => Promise<Result<T, E>>,
  policy: RetryPolicy,
  deps: RetryDeps,
  judge: (error: E) => RetryVerdict,
  onRetry?: (attempt: number, delayMs: number, error: E) => void,
): Promise<Result<T, RetryFailure<E>>> {
  const started = deps.clock.now();
  for (let n = 1; ; n++) {
    const result = await attempt(n);
    if (result.isOk()) return ok(result.value);
    const error = result.error;
    const verdict = judge(error);
    if (!verdict.retry) return err({ error, attempts: n, stop: 'final' });
    if (n >= policy.maxAttempts) return err({ error, attempts: n, stop: 'no tries left' });
    const delayMs = backoffDelay(n, policy, deps.random, verdict.retryAfterMs);
    if (deps.clock.now() - started + delayMs > policy.maxElapsedMs)
      return err({ error, attempts: n, stop: 'over budget', delayMs });
    onRetry?.(n, delayMs, error);
    await deps.sleep(delayMs);
  }
}
