/** When and how often a failed call is tried again. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly maxAttempts: number;
  /** The cap of the first backoff, in ms; each next cap is `multiplier` times larger. */
  readonly initialDelayMs: number;
  /** The largest backoff cap, in ms. */
  readonly maxDelayMs: number;
  /** Gives up rather than wait past this many ms since the first try. */
  readonly maxElapsedMs: number;
  /** Growth of the backoff cap per try. */
  readonly multiplier: number;
}

/**
 * The wait before try `attempt + 1`: "full jitter" — a random time up to a cap that grows
 * exponentially — but never less than the server's `Retry-After`.
 *
 * @example
 * backoffDelay(1, policy, Math.random, undefined); // somewhere in [0, policy.initialDelayMs)
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
