import type { Kv } from '@keel/core';
import { createRateLimiter as createLimiter } from '@keel/ratelimit';
import { HttpError, unwrap } from './http-errors.js';

/**
 * Changes per user per minute, on @keel/ratelimit's sliding window over the app's kv: exact
 * across the app's processes (compare-and-swap), with the wait in `retryAfterMs` for the
 * `Retry-After` header. A limit of 0 turns it off.
 */
export function createRateLimiter(kv: Kv, limit: number, windowMs = 60_000) {
  const limiter =
    limit > 0 ? createLimiter(kv, { algorithm: 'sliding-window', limit, intervalMs: windowMs }) : undefined;
  return {
    async consume(userId: string): Promise<void> {
      if (!limiter) return;
      const decision = await unwrap(limiter.consume(`user:${userId}`));
      if (!decision.allowed) {
        const { retryAfterMs } = decision;
        throw new HttpError(
          429,
          'RATE_LIMITED',
          `At most ${limit} changes per minute; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
          { retryAfterMs },
        );
      }
    },
  };
}
