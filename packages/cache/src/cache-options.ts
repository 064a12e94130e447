import type { KeelLogger, KeelObservability } from '@keel/core';
import { fn, integer, maxTimerMs, option, string, withMethods } from '@keel/core/adapter';
import * as v from 'valibot';
import type { CacheError } from './cache-errors.js';

const schema = v.strictObject({
  prefix: option(string(), {
    default: 'cache:',
    description:
      'Put before every kv key the cache uses (entries, leases, tag versions), so that several caches can share ' +
      'one kv. Caches with the same prefix on the same kv share entries, leases and tags.',
  }),
  ttlMs: option(integer(1, maxTimerMs), {
    default: 300_000,
    description: 'How long a loaded value stays cached, in ms, unless a call gives its own `ttlMs`.',
  }),
  negativeTtlMs: option(integer(1, maxTimerMs), {
    default: 30_000,
    description: 'How long a load that found nothing (returned `undefined`) stays cached, in ms.',
  }),
  leaseMs: option(integer(0, maxTimerMs), {
    default: 5_000,
    description:
      'How long the process that loads a missing key holds its kv lease, in ms; the other processes wait for ' +
      'its value instead of loading too. If it dies, the lease expires and a waiter loads. Keep it above the ' +
      'slowest load. `0` turns leases off (single-flight within each process only).',
  }),
  leaseWaitMs: option(integer(0, maxTimerMs), {
    default: 7_000,
    description:
      "How long a caller waits for another process's load before it loads itself, in ms. Above `leaseMs`, a " +
      "dead holder's lease expires first and one waiter takes it over.",
  }),
  leasePollMs: option(integer(1, maxTimerMs), {
    default: 10,
    description: 'How often a waiting process looks for the value another process is loading, in ms.',
  }),
  tombstoneMs: option(integer(1, maxTimerMs), {
    default: 60_000,
    description:
      'How long an invalidated key remembers its invalidation, in ms: a load that began before `invalidate` ' +
      'cannot write its (possibly older) value within that time. A load slower than this does not write at all.',
  }),
  // Function options have no schema default: valibot would call a function default to get the value.
  onError: option(fn<(error: CacheError) => void>(), {
    defaultText: 'ignore',
    description:
      'Called with each kv failure or corrupt entry that `getOrSet` absorbed (it loaded from the source or ' +
      'returned the loaded value instead); `stats()` counts them too.',
  }),
  logger: option(withMethods<KeelLogger>('a logger (debug, info, warn, error, child)', ['warn', 'error', 'child']), {
    defaultText: "the app's keel.logger in cacheService; else silent",
    description: 'Where absorbed kv failures and corrupt entries are logged (warn), with their code and key.',
  }),
  observability: option(withMethods<KeelObservability>('keel.observability or createObservability()', ['counter']), {
    defaultText: "the app's keel.observability in cacheService; else none",
    description:
      'Counts each lookup as `keel.cache.lookups` by `prefix` and `result` (`hit`, `miss`, `stale`) and each load ' +
      'as `keel.cache.loads` (`ok`, `error`): the hit ratio is hits over lookups.',
  }),
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface CacheOptionsSchema extends Schema {}

/**
 * The options of `createCache`, declared once: the type, the checks and the README table come from here.
 *
 * @example
 * describeOptions(cacheOptions); // the rows of the README's options table
 */
export const cacheOptions: CacheOptionsSchema = schema;

/** Options of `createCache`. */
export type CacheOptions = v.InferInput<typeof cacheOptions>;
/** The options with every default filled in. */
export type ResolvedCacheOptions = v.InferOutput<typeof cacheOptions>;

/** Options of one `getOrSet` or `set`. */
export interface CacheSetOptions {
  /** How long the value stays cached, in ms. @default the cache's `ttlMs` */
  readonly ttlMs?: number;
  /** How long a found-nothing (`undefined`) stays cached, in ms. @default the cache's `negativeTtlMs` */
  readonly negativeTtlMs?: number;
  /**
   * Tags for `invalidateTag`. An entry counts only for callers that name the same tags, so give a
   * key the same tags wherever it is read. @default []
   */
  readonly tags?: readonly string[];
}

/** Checks one call's options; a mistake here is a programming error, so it throws. */
export function checkSetOptions(where: string, options: CacheSetOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object`);
  for (const field of ['ttlMs', 'negativeTtlMs'] as const) {
    const ms = options[field];
    if (ms !== undefined && !(Number.isInteger(ms) && ms >= 1 && ms <= maxTimerMs)) {
      throw new TypeError(`${where}: ${field} must be an integer from 1 to ${maxTimerMs}, got ${String(ms)}`);
    }
  }
  if (options.tags !== undefined) checkNames(`${where}: tags`, options.tags);
}

/** Keys and tags: non-empty strings. */
export function checkNames(where: string, names: unknown): asserts names is readonly string[] {
  if (!Array.isArray(names)) throw new TypeError(`${where} must be an array of non-empty strings`);
  for (const [i, name] of names.entries()) {
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(`${where}[${i}] must be a non-empty string, got ${JSON.stringify(name) ?? String(name)}`);
    }
  }
}

/** A single key: a non-empty string. */
export function checkKey(where: string, key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '') {
    throw new TypeError(`${where}: key must be a non-empty string, got ${JSON.stringify(key) ?? String(key)}`);
  }
}
