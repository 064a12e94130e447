import { KvError, compareKeys, defineKv, err, isS64, kvValuesEqual, ok, type Kv, type KvDriver, type KvValue } from '@keel/core';
import type { KvSync } from '../../src/index.js';

/**
 * A kv with a synchronous facet (`kv.sync`), standing in for what core's `defineKv` would offer
 * for a synchronous driver (see the README: in-thread mode). The async face is core's guard over
 * a Map driver; the sync face calls the same driver directly and turns a thrown `KvError` into
 * an `Err`. It does not validate arguments the way core's guard does: tests give it valid ones.
 */
export function createSyncKv(): Kv & { sync: KvSync } {
  const data = new Map<string, KvValue>();
  const driver: KvDriver = {
    adapter: 'sync-map',
    capabilities: { ttl: false, atomicBatch: true, persistent: false },
    get: (key) => data.get(key),
    set: (key, value) => void data.set(key, value instanceof Uint8Array ? Uint8Array.from(value) : value),
    delete: (key) => data.delete(key),
    increment(key, delta) {
      const current = data.get(key) ?? 0n;
      if (typeof current !== 'bigint' || !isS64(current + delta)) throw new KvError({ code: 'TYPE_MISMATCH', message: 'not an s64' });
      data.set(key, current + delta);
      return current + delta;
    },
    compareAndSwap(key, expected, desired) {
      if (!kvValuesEqual(data.get(key), expected)) return false;
      if (desired === undefined) data.delete(key);
      else data.set(key, desired);
      return true;
    },
    expire: (key) => data.has(key),
    ttl: (key) => (data.has(key) ? { kind: 'never' } : undefined),
    scan: ({ prefix, after, limit }) =>
      [...data.keys()]
        .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
        .sort(compareKeys)
        .slice(0, limit)
        .map((key) => ({ key, value: data.get(key) as KvValue })),
  };
  const kv = defineKv(driver);
  const run = <T>(fn: () => T) => {
    try {
      return ok(fn());
    } catch (error) {
      return err(error instanceof KvError ? error : new KvError({ code: 'INTERNAL', message: String(error) }));
    }
  };
  const sync: KvSync = {
    get: (key) => run(() => driver.get(key) as KvValue | undefined),
    set: (key, value, options) => run(() => driver.set(key, value, options?.ttlMs) as void),
    delete: (key) => run(() => driver.delete(key) as boolean),
    exists: (key) => run(() => data.has(key)),
    increment: (key, delta = 1n) => run(() => driver.increment(key, delta) as bigint),
    compareAndSwap: (key, expected, desired, options) => run(() => driver.compareAndSwap(key, expected, desired, options?.ttlMs) as boolean),
    expire: (key, ttlMs) => run(() => driver.expire(key, ttlMs) as boolean),
    ttl: (key) => run(() => (data.has(key) ? { kind: 'never' as const } : undefined)),
    scan: (options = {}) =>
      run(() => {
        const limit = options.limit ?? 100;
        const entries = driver.scan({ prefix: options.prefix ?? '', after: options.cursor, limit }) as { key: string; value: KvValue }[];
        return { entries, cursor: entries.length === limit ? entries[entries.length - 1]?.key : undefined };
      }),
    getMany: (keys) => run(() => keys.map((k) => data.get(k))),
    setMany: (entries) => run(() => void entries.forEach((e) => data.set(e.key, e.value))),
    deleteMany: (keys) => run(() => keys.filter((k) => data.delete(k)).length),
  };
  return Object.assign(Object.create(null) as object, kv, { sync }) as Kv & { sync: KvSync };
}
