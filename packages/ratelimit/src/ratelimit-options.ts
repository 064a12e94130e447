import { clockOption, integer, maxTimerMs, oneOf, option, required, string } from '@keel/core/adapter';
import * as v from 'valibot';

/** The options of `createRateLimiter`, declared once: the type, the checks and the README table come from it. */
export const rateLimitOptions = v.strictObject({
  algorithm: option(oneOf(['token-bucket', 'sliding-window']), {
    default: 'token-bucket',
    description:
      '`token-bucket`: up to `limit` at once, refilled evenly over `intervalMs` (bursts, then a steady rate). ' +
      '`sliding-window`: at most `limit` in any `intervalMs`, counted over the current and previous windows.',
  }),
  limit: required(
    integer(1, 1_000_000_000),
    'How many units (requests, by default one each) a key may use: the bucket size, or the most per window.',
  ),
  intervalMs: required(
    integer(1, maxTimerMs),
    'Token bucket: the time to refill `limit` units. Sliding window: the window, in ms.',
  ),
  prefix: option(string(), {
    default: 'ratelimit:',
    description: 'Put before every kv key the limiter uses, so that limiters can share one kv.',
  }),
  maxAttempts: option(integer(1, 10_000), {
    default: 100,
    description:
      'How many compare-and-swap rounds one check may take when other processes change the same key at the same ' +
      'moment; past it the check is `Err(CONTENDED)` (nothing is consumed).',
  }),
  clock: clockOption(),
});

export type RateLimitOptions = v.InferInput<typeof rateLimitOptions>;
export type ParsedRateLimitOptions = v.InferOutput<typeof rateLimitOptions>;
