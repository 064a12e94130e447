/**
 * What a cache did since it was created, counted in this process. `hits + misses` is the number
 * of lookups that reached the kv (`getOrSet` flights and `get`); callers that joined a lookup
 * already in flight are `coalesced` instead.
 */
export interface CacheStats {
  /** Lookups answered from the kv (a value or a cached absence). */
  readonly hits: number;
  /** Lookups that found no usable entry. */
  readonly misses: number;
  /** Misses that found an entry outdated by `invalidateTag` (or cached under other tags). */
  readonly stale: number;
  /** Times this process ran a loader. */
  readonly loads: number;
  /** Loads that returned an `Err` or threw (nothing cached). */
  readonly loadErrors: number;
  /** `getOrSet` calls that shared a lookup or load already in flight in this process. */
  readonly coalesced: number;
  /** Misses that waited for another process's lease instead of loading. */
  readonly leaseWaits: number;
  /** Waits that ran out (`leaseWaitMs`), after which this process loaded itself. */
  readonly leaseTimeouts: number;
  /** Loaded values not written because the entry changed (an invalidation or a newer value) during the load. */
  readonly writesSkipped: number;
  /** kv reads that failed, or entries the cache did not write (it loaded from the source instead). */
  readonly readErrors: number;
  /** kv writes that failed in `getOrSet` (a lease, a tag version, a loaded value); the value was returned all the same. */
  readonly writeErrors: number;
}

export type StatName = keyof CacheStats;

/** Mutable counters behind `cache.stats()`. */
export function createCounters(): { -readonly [K in StatName]: number } {
  return {
    hits: 0,
    misses: 0,
    stale: 0,
    loads: 0,
    loadErrors: 0,
    coalesced: 0,
    leaseWaits: 0,
    leaseTimeouts: 0,
    writesSkipped: 0,
    readErrors: 0,
    writeErrors: 0,
  };
}
