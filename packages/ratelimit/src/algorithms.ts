/** What a check decides, and what a caller tells its client (see `rateLimitHeaders`). */
export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly limit: number;
  /** Units still available now (after this one, when allowed), rounded down. */
  readonly remaining: number;
  /** When the key is back to its full allowance, in ms from now. */
  readonly resetMs: number;
  /** When a check of the same cost would be allowed, in ms from now; 0 when allowed. */
  readonly retryAfterMs: number;
}

/** One algorithm as a pure step: the stored state (text), the time and the cost in; the decision and the next state out. */
export interface Algorithm {
  /** `next` is undefined when nothing is written (a refusal changes nothing). */
  step(
    stored: string | undefined,
    now: number,
    cost: number,
  ): { decision: RateLimitDecision; next: string | undefined } | undefined;
}

/**
 * Token bucket: `limit` tokens, refilled continuously at `limit / intervalMs` per ms. Stored as
 * `tokens|at`. Returns undefined for a state it cannot read.
 */
export function tokenBucket(limit: number, intervalMs: number): Algorithm {
  const rate = limit / intervalMs;
  // Refills multiply before they divide, and a shortfall below a billionth of a unit is none:
  // a wait of `retryAfterMs` (or `resetMs`) then always refills what it promised, whatever the rounding.
  const epsilon = 1e-9;
  return {
    step(stored, now, cost) {
      let tokens = limit;
      if (stored !== undefined) {
        const [t, at] = stored.split('|').map(Number);
        if (!Number.isFinite(t) || !Number.isFinite(at)) return undefined;
        tokens = Math.min(limit, (t as number) + (Math.max(0, now - (at as number)) * limit) / intervalMs);
      }
      const allowed = tokens + epsilon >= cost;
      const left = allowed ? tokens - cost : tokens;
      return {
        decision: {
          allowed,
          limit,
          remaining: Math.floor(left),
          resetMs: Math.ceil((limit - left) / rate),
          retryAfterMs: allowed ? 0 : Math.ceil((cost - tokens) / rate),
        },
        next: allowed ? `${left}|${now}` : undefined,
      };
    },
  };
}

/**
 * Sliding window counter: counts in fixed windows of `intervalMs`, with the previous window's
 * count weighted by how much of it still overlaps the last `intervalMs`. Stored as
 * `window|previous|current`.
 */
export function slidingWindow(limit: number, intervalMs: number): Algorithm {
  return {
    step(stored, now, cost) {
      const window = Math.floor(now / intervalMs);
      let previous = 0;
      let current = 0;
      if (stored !== undefined) {
        const [w, p, c] = stored.split('|').map(Number);
        if (![w, p, c].every(Number.isFinite)) return undefined;
        if (w === window) [previous, current] = [p as number, c as number];
        else if (w === window - 1) previous = c as number;
      }
      const elapsed = now - window * intervalMs;
      const weight = 1 - elapsed / intervalMs;
      const used = previous * weight + current;
      const allowed = used + cost <= limit;
      const after = allowed ? current + cost : current;
      const toNext = intervalMs - elapsed;
      return {
        decision: {
          allowed,
          limit,
          remaining: Math.max(0, Math.floor(limit - (previous * weight + after))),
          resetMs: after > 0 ? toNext + intervalMs : previous > 0 ? toNext : 0,
          retryAfterMs: allowed ? 0 : retryAfter(limit, intervalMs, previous, current, cost, elapsed, toNext),
        },
        next: allowed ? `${window}|${previous}|${after}` : undefined,
      };
    },
  };
}

/** How long until `cost` fits, as the previous window's weight shrinks (or the current one becomes previous). */
function retryAfter(
  limit: number,
  interval: number,
  previous: number,
  current: number,
  cost: number,
  elapsed: number,
  toNext: number,
) {
  const room = limit - cost - current;
  // In this window: once previous · (1 − (elapsed + x) / interval) ≤ room.
  if (room >= 0 && previous > 0) return Math.max(1, Math.ceil(interval * (1 - room / previous) - elapsed));
  // In the next one, where this window's count is the previous: current · (1 − y / interval) ≤ limit − cost.
  const y = current > 0 ? Math.ceil(interval * (1 - (limit - cost) / current)) : 0;
  return Math.max(1, toNext + Math.max(0, y));
}
