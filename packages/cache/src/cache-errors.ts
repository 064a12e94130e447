import { KeelError, type KeelErrorInit } from '@keel/core';

/**
 * What went wrong in a cache call. Codes are stable; messages are not.
 *
 * - `READ_FAILED`: the kv could not be read (`get`); `getOrSet` loads from the source instead.
 * - `WRITE_FAILED`: the kv could not be written (`set`, `invalidate`, `invalidateTag`); `getOrSet`
 *   returns the loaded value instead and counts it.
 * - `LOAD_FAILED`: the loader threw or its promise rejected (a loader's own `Err` passes through as it is).
 * - `NOT_ENCODABLE`: a value the cache cannot store exactly (a function, a `Map`, a class instance, a cycle).
 * - `CORRUPT_ENTRY`: a kv value under the cache's prefix that the cache did not write; read as a miss.
 */
export type CacheErrorCode = 'READ_FAILED' | 'WRITE_FAILED' | 'LOAD_FAILED' | 'NOT_ENCODABLE' | 'CORRUPT_ENTRY';

export interface CacheErrorInit extends KeelErrorInit<CacheErrorCode> {
  /** The cache key (or tag, for `invalidateTag`) the call was about. */
  readonly key?: string;
}

/**
 * The error of every cache operation; the kv's `KvError` (or what the loader threw) is its `cause`.
 *
 * @example
 * const result = await cache.invalidate('task:1');
 * if (result.isErr() && result.error.code === 'WRITE_FAILED') retryLater();
 */
export class CacheError extends KeelError<CacheErrorCode> {
  override readonly name = 'CacheError';
  readonly key?: string;

  constructor(init: CacheErrorInit) {
    super({ ...init, adapter: init.adapter ?? 'cache' });
    if (init.key !== undefined) this.key = init.key;
  }
}
