import { KeelError, type KeelErrorInit } from '@keel/core';

/**
 * What a check can fail with. Codes are stable; messages are not.
 *
 * | code | meaning |
 * | --- | --- |
 * | `INVALID_ARGUMENT` | an empty or over-long key, or a cost that is not a positive integer up to `limit` |
 * | `CONTENDED` | other processes changed the key on every one of `maxAttempts` rounds; nothing was consumed |
 * | `STORE` | the kv failed (its `KvError` is `cause`), or holds a value this limiter did not write |
 */
export type RateLimitErrorCode = 'INVALID_ARGUMENT' | 'CONTENDED' | 'STORE';

/**
 * The one error class of `@keel/ratelimit`. Being limited is not an error: it is `Ok` with
 * `allowed: false`.
 *
 * @example
 * const checked = await limiter.consume(`user:${id}`);
 * if (checked.isErr()) console.warn(checked.error.code); // the store failed: fail open or closed, your call
 */
export class RateLimitError extends KeelError<RateLimitErrorCode> {
  override readonly name = 'RateLimitError';
  constructor(init: Omit<KeelErrorInit<RateLimitErrorCode>, 'adapter'>) {
    super({ ...init, adapter: 'ratelimit' });
  }
}

export function rateLimitError(code: RateLimitErrorCode, message: string, cause?: unknown): RateLimitError {
  return new RateLimitError({ code, op: 'consume', message, ...(cause === undefined ? {} : { cause }) });
}
