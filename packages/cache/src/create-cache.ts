import { type Kv, type KvError, type Result, ResultAsync, err, errAsync, ok, okAsync, silentLogger } from '@keel/core';
import { KeelOptionsError, parseOptions } from '@keel/core/adapter';
import { CacheError, type CacheErrorCode } from './cache-errors.js';
import {
  type CacheOptions,
  type CacheSetOptions,
  type ResolvedCacheOptions,
  cacheOptions,
  checkKey,
  checkNames,
  checkSetOptions,
} from './cache-options.js';
import { type CacheStats, type StatName, createCounters } from './cache-stats.js';
import { CacheStore } from './cache-store.js';
import { encodeEntry, encodeTombstone, uniqueToken } from './entry-codec.js';
import { type FlightContext, type FlightOutcome, runFlight } from './load-flight.js';
import type { LoadError, LoadedValue } from './run-load.js';
import { type FlightWatch, SingleFlight } from './single-flight.js';
import { NotEncodable } from './value-codec.js';

/** A value found by `get`: `value` is `undefined` when a found-nothing was cached (negative caching). */
export interface CacheHit<T> {
  readonly value: T | undefined;
}

/** Cache-aside over a Keel `kv`; every operation returns a `ResultAsync` and never throws. */
export interface Cache {
  /**
   * The cached value of `key`, or what `load` gives (cached for `ttlMs`; `undefined` — "there is
   * none" — for `negativeTtlMs`). One load per key at a time in the process, and across processes
   * while the kv lease holds. A loader's `Err` is returned as it is and nothing is cached.
   */
  getOrSet<R>(
    key: string,
    load: () => R,
    options?: CacheSetOptions,
  ): ResultAsync<LoadedValue<R>, LoadError<R> | CacheError>;
  /** The cached value, or `undefined` on a miss. `tags`: only an entry cached under these tags counts. */
  get<T = unknown>(
    key: string,
    options?: { readonly tags?: readonly string[] },
  ): ResultAsync<CacheHit<T> | undefined, CacheError>;
  /** Caches a value (or, with `undefined`, a found-nothing) without loading. */
  set(key: string, value: unknown, options?: CacheSetOptions): ResultAsync<void, CacheError>;
  /** Drops entries, in every process at once (they share the kv). */
  invalidate(keys: string | readonly string[]): ResultAsync<void, CacheError>;
  /** Drops every entry cached under any of these tags, in every process at once. */
  invalidateTag(tags: string | readonly string[]): ResultAsync<void, CacheError>;
  /** Counters since the cache was created, in this process. */
  stats(): CacheStats;
}

/**
 * A cache-aside layer on any Keel `kv` (memory, LevelDB, Redis, …). The kv must support TTLs.
 * Values are stored as JSON text in which `bigint`, `Uint8Array`, `Date` and non-finite numbers
 * come back exactly; a value that cannot (a function, a `Map`, a class instance) is `NOT_ENCODABLE`.
 *
 * @example
 * const cache = createCache(keel.kv, { ttlMs: 60_000 });
 * const task = await cache.getOrSet(`task:${id}`, () => tasks.findById(id), { tags: [`workspace:${ws}`] });
 * await cache.invalidateTag(`workspace:${ws}`);
 */
export function createCache(kv: Kv, options?: CacheOptions): Cache {
  const o = parseOptions(cacheOptions, options, 'createCache');
  if (!kv?.capabilities?.ttl) {
    throw new KeelOptionsError('createCache', [
      { path: 'kv', problem: 'must support TTLs (capabilities.ttl): entries and leases expire' },
    ]);
  }
  return buildCache(kv, o);
}

function buildCache(kv: Kv, o: ResolvedCacheOptions): Cache {
  const store = new CacheStore(kv, o.prefix);
  const logger = o.logger ?? silentLogger;
  const counters = createCounters();
  const flights = new SingleFlight();
  const metrics = cacheMetrics(o);
  const count = (stat: StatName) => {
    counters[stat]++;
    metrics?.(stat);
  };
  const ctx: FlightContext = {
    store,
    options: o,
    count,
    report(stat, code, key, cause) {
      count(stat);
      const error = absorbed(code, key, cause);
      logger.warn({ code, key, err: error }, 'cache: absorbed a failure (served from the source)');
      o.onError?.(error);
    },
  };

  return {
    getOrSet(key, load, options) {
      checkKey('getOrSet', key);
      if (typeof load !== 'function') throw new TypeError('getOrSet: load must be a function');
      checkSetOptions('getOrSet', options);
      const tags = normalizeTags(options?.tags);
      const request = (watch: FlightWatch) =>
        runFlight(ctx, {
          key,
          tags,
          load,
          ttlMs: options?.ttlMs ?? o.ttlMs,
          negativeTtlMs: options?.negativeTtlMs ?? o.negativeTtlMs,
          watch,
        });
      const outcome = flights.run(key, tags, request, () => count('coalesced'));
      return new ResultAsync(outcome.then(toResult)) as never;
    },

    get<T>(key: string, options?: { readonly tags?: readonly string[] }) {
      checkKey('get', key);
      if (options?.tags !== undefined) checkNames('get: tags', options.tags);
      const tags = options?.tags === undefined ? undefined : normalizeTags(options.tags);
      const read = async (): Promise<Result<CacheHit<T> | undefined, CacheError>> => {
        const found = tags === undefined ? await store.lookupAnyTags(key) : await store.lookup(key, tags);
        if (found.isErr()) return err(failed('READ_FAILED', 'get', key, found.error));
        const lookup = found.value;
        count(lookup.verdict === 'hit' ? 'hits' : 'misses');
        if (lookup.verdict === 'stale') count('stale');
        if (lookup.verdict === 'corrupt') ctx.report('readErrors', 'CORRUPT_ENTRY', key, undefined);
        return ok(lookup.verdict === 'hit' ? { value: lookup.value as T | undefined } : undefined);
      };
      return new ResultAsync(read());
    },

    set(key, value, options) {
      checkKey('set', key);
      checkSetOptions('set', options);
      const tags = normalizeTags(options?.tags);
      const ttlMs = value === undefined ? (options?.negativeTtlMs ?? o.negativeTtlMs) : (options?.ttlMs ?? o.ttlMs);
      return kv
        .getMany(tags.map((t) => store.tagKey(t)))
        .andThen((found) =>
          store.ensureVersions(
            tags,
            found.map((v) => (typeof v === 'string' ? v : undefined)),
          ),
        )
        .mapErr((e) => failed('WRITE_FAILED', 'set', key, e))
        .andThen((versions) => {
          try {
            return okAsync(encodeEntry(value, versions));
          } catch (error) {
            if (!(error instanceof NotEncodable)) throw error;
            const message = `the value for '${key}' cannot be cached: ${error.message}`;
            return errAsync(new CacheError({ code: 'NOT_ENCODABLE', message, op: 'set', key }));
          }
        })
        .andThen((text) =>
          kv.set(store.entryKey(key), text, { ttlMs }).mapErr((e) => failed('WRITE_FAILED', 'set', key, e)),
        );
    },

    invalidate(keys) {
      const list = typeof keys === 'string' ? [keys] : keys;
      checkNames('invalidate: keys', list);
      flights.detachKeys(list);
      if (list.length === 0) return okAsync(undefined);
      const entries = list.map((k) => ({ key: store.entryKey(k), value: encodeTombstone() }));
      return kv
        .setMany(entries, { ttlMs: o.tombstoneMs })
        .mapErr((e) => failed('WRITE_FAILED', 'invalidate', list[0] as string, e));
    },

    invalidateTag(tags) {
      const list = typeof tags === 'string' ? [tags] : tags;
      checkNames('invalidateTag: tags', list);
      flights.detachTags(list);
      if (list.length === 0) return okAsync(undefined);
      // A new random version, not a counter: a lost tag key can never come back to a recorded one.
      const entries = list.map((t) => ({ key: store.tagKey(t), value: uniqueToken() }));
      return kv.setMany(entries).mapErr((e) => failed('WRITE_FAILED', 'invalidateTag', list[0] as string, e));
    },

    stats() {
      return Object.freeze({ ...counters });
    },
  };
}

function toResult(outcome: FlightOutcome): Result<unknown, unknown> {
  return outcome.ok ? ok(outcome.value) : err(outcome.error);
}

function normalizeTags(tags: readonly string[] | undefined): readonly string[] {
  if (tags === undefined || tags.length === 0) return [];
  return [...new Set(tags)].sort();
}

function failed(code: CacheErrorCode, op: string, key: string, cause: KvError): CacheError {
  const doing = code === 'READ_FAILED' ? 'reading' : 'writing';
  return new CacheError({
    code,
    message: `${op}: ${doing} '${key}' in the kv failed: ${cause.message}`,
    op,
    key,
    cause,
  });
}

function absorbed(code: CacheErrorCode, key: string, cause: unknown): CacheError {
  const messages: Partial<Record<CacheErrorCode, string>> = {
    READ_FAILED: `reading '${key}' from the kv failed; loaded from the source instead`,
    WRITE_FAILED: `writing '${key}' to the kv failed; the loaded value was returned uncached`,
    CORRUPT_ENTRY: `the kv value of '${key}' was not written by this cache (another format or another writer); read as a miss`,
  };
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new CacheError({ code, message: `${messages[code] ?? code}${detail}`, op: 'getOrSet', key, cause });
}

/** The stats an operator charts, as counters of the app's observability (when given and on). */
function cacheMetrics(o: ResolvedCacheOptions): ((stat: StatName) => void) | undefined {
  const observability = o.observability?.enabled ? o.observability : undefined;
  if (!observability) return undefined;
  const lookups = observability.counter('keel.cache.lookups', 'Cache lookups by result.', ['prefix', 'result']);
  const loads = observability.counter('keel.cache.loads', 'Loads the cache ran, by outcome.', ['prefix', 'outcome']);
  const series: Partial<Record<StatName, () => void>> = {
    hits: () => lookups.add([o.prefix, 'hit']),
    misses: () => lookups.add([o.prefix, 'miss']),
    stale: () => lookups.add([o.prefix, 'stale']),
    loads: () => loads.add([o.prefix, 'ok']),
    loadErrors: () => loads.add([o.prefix, 'error']),
  };
  return (stat) => series[stat]?.();
}
