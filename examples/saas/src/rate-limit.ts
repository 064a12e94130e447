import type { Kv } from '@keel/core';
import { HttpError, unwrap } from './http-errors.js';

/**
 * A fixed-window limit per user on kv: `increment` the window's counter, give it an expiry the
 * first time, refuse past `limit`. Works the same on memory and LevelDB (both have `ttl`).
 */
export function createRateLimiter(kv: Kv, limit: number, windowMs = 60_000) {
  return {
    async consume(userId: string, now = Date.now()): Promise<void> {
      if (limit <= 0) return;
      const window = Math.floor(now / windowMs);
      const key = `ratelimit:${userId}:${window}`;
      const count = await unwrap(kv.increment(key));
      if (count === 1n) await unwrap(kv.expire(key, windowMs * 2));
      if (count > BigInt(limit)) {
        const retryAfterMs = (window + 1) * windowMs - now;
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
