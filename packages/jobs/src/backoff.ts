/**
 * The wait between a failed attempt and the next. `exponential` doubles from `delayMs` up to
 * `maxDelayMs`, with "equal jitter" (a random wait in the upper half of the cap) unless
 * `jitter` is false, so that jobs failing together do not retry together; `fixed` waits
 * `delayMs` every time.
 */
export type BackoffOptions =
  | {
      readonly type: 'exponential';
      /** The first wait's cap, in ms. @default 1000 */
      readonly delayMs?: number;
      /** The largest wait, in ms. @default 3_600_000 */
      readonly maxDelayMs?: number;
      /** @default true */
      readonly jitter?: boolean;
    }
  | { readonly type: 'fixed'; readonly delayMs: number };

/** The backoff as stored with each job: every field filled in. */
export type StoredBackoff =
  | { readonly type: 'exponential'; readonly delayMs: number; readonly maxDelayMs: number; readonly jitter: boolean }
  | { readonly type: 'fixed'; readonly delayMs: number };

/** Fills in a backoff's defaults. */
export function storedBackoff(options: BackoffOptions): StoredBackoff {
  if (options.type === 'fixed') return { type: 'fixed', delayMs: options.delayMs };
  return {
    type: 'exponential',
    delayMs: options.delayMs ?? 1000,
    maxDelayMs: options.maxDelayMs ?? 3_600_000,
    jitter: options.jitter ?? true,
  };
}

/**
 * The wait before attempt `attempt + 1`, after attempt `attempt` (1, 2, …) failed.
 *
 * @example
 * backoffDelay({ type: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: false }, 3); // 4000
 */
export function backoffDelay(backoff: StoredBackoff, attempt: number, random: () => number = Math.random): number {
  if (backoff.type === 'fixed') return backoff.delayMs;
  const cap = Math.min(backoff.maxDelayMs, backoff.delayMs * 2 ** Math.max(0, attempt - 1));
  return backoff.jitter ? Math.floor(cap / 2 + (random() * cap) / 2) : cap;
}
