import { defineKv } from '@keel/core/adapter';
import type { Kv, KvEntry, KvValue } from '@keel/core';
import { KvError } from '@keel/core';
import { compareKeys, isS64, kvValuesEqual } from '@keel/core/adapter';
import type { Clock } from '@keel/core';

/**
 * The kv contract written as plainly as possible, to be the model in property tests: no
 * indexes, no caches, every scan sorts everything. Obviously right, deliberately slow.
 */
export function createReferenceKv(clock: Clock): Kv {
  let store = new Map<string, { value: KvValue; expiresAt?: number }>();
  const now = () => clock.now();
  const alive = (key: string) => {
    const e = store.get(key);
    return e && (e.expiresAt === undefined || e.expiresAt > now()) ? e : undefined;
  };
  const clone = (v: KvValue | undefined) => (v instanceof Uint8Array ? Uint8Array.from(v) : v);
  const put = (key: string, value: KvValue, ttlMs: number | undefined) =>
    store.set(
      key,
      ttlMs === undefined
        ? { value: clone(value) as KvValue }
        : { value: clone(value) as KvValue, expiresAt: now() + ttlMs },
    );

  return defineKv({
    adapter: 'reference',
    capabilities: { ttl: true, atomicBatch: true, persistent: false, synchronous: true },
    close: () => void (store = new Map()),
    get: (key) => clone(alive(key)?.value),
    set: (key, value, ttlMs) => void put(key, value, ttlMs),
    delete: (key) => {
      const existed = alive(key) !== undefined;
      store.delete(key);
      return existed;
    },
    increment(key, delta) {
      const e = alive(key);
      const current = e ? e.value : 0n;
      if (typeof current !== 'bigint' || !isS64(current + delta)) {
        throw new KvError({ code: 'TYPE_MISMATCH', message: 'not an s64, or out of range' });
      }
      store.set(key, { ...e, value: current + delta });
      return current + delta;
    },
    compareAndSwap(key, expected, desired, ttlMs) {
      if (!kvValuesEqual(alive(key)?.value, expected)) return false;
      if (desired === undefined) store.delete(key);
      else put(key, desired, ttlMs);
      return true;
    },
    expire(key, ttlMs) {
      const e = alive(key);
      if (!e) return false;
      put(key, e.value, ttlMs);
      return true;
    },
    ttl(key) {
      const e = alive(key);
      if (!e) return undefined;
      return e.expiresAt === undefined ? { kind: 'never' } : { kind: 'after-ms', ms: e.expiresAt - now() };
    },
    scan({ prefix, after, limit }) {
      const keys = [...store.keys()]
        .filter((k) => k.startsWith(prefix) && alive(k) && (after === undefined || compareKeys(k, after) > 0))
        .sort(compareKeys);
      return keys.slice(0, limit).map((key): KvEntry => ({ key, value: clone(alive(key)?.value) as KvValue }));
    },
  });
}
