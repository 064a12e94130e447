import { KvError, type Kv, type KvEntry, type KvValue } from '@keel/core';
import {
  compareKeys,
  defineAdapter,
  defineKv,
  isS64,
  kvValuesEqual,
  parseOptions,
  type KvDriver,
  type KvDriverScan,
} from '@keel/core/adapter';
import { ExpiryHeap } from './expiry-heap.js';
import { memoryKvOptions, type MemoryKvOptions, type ResolvedMemoryKvOptions } from './memory-kv-options.js';

interface Slot {
  value: KvValue;
  expiresAt: number | undefined;
}

/**
 * The whole kv contract in memory. Writes are synchronous, so every operation — increment,
 * compare-and-swap, `setMany` — is atomic. Expired keys are never returned and a background
 * sweep reclaims their memory. Nothing survives the process.
 *
 * @example
 * import { createMemoryKv } from '@keel/adapter-kv-memory';
 * const kv = createMemoryKv();
 * await kv.set('session:abc', 'user-1', { ttlMs: 30 * 60_000 });
 */
export function createMemoryKv(options?: MemoryKvOptions): Kv {
  return buildMemoryKv(parseOptions(memoryKvOptions, options, 'createMemoryKv'));
}

/**
 * Registers the adapter as `memory`, so that config can choose it.
 *
 * @example
 * const keel = await createKeel({ kv: { adapter: 'memory' } }, { adapters: [memoryKvAdapter] });
 */
export const memoryKvAdapter = defineAdapter({
  interface: 'kv',
  id: 'memory',
  package: '@keel/adapter-kv-memory',
  options: memoryKvOptions,
  create: (options) => buildMemoryKv(options),
});

function buildMemoryKv({ sweepIntervalMs, limits, clock }: ResolvedMemoryKvOptions): Kv {
  const data = new Map<string, Slot>();
  const expiries = new ExpiryHeap();
  // Keys in order, rebuilt on the next scan after a key is added or removed.
  let sorted: string[] | undefined;
  let timer: NodeJS.Timeout | undefined;

  const expiresAt = (ttlMs: number | undefined) => (ttlMs === undefined ? undefined : clock.now() + ttlMs);

  function live(key: string): Slot | undefined {
    const slot = data.get(key);
    if (slot?.expiresAt !== undefined && slot.expiresAt <= clock.now()) {
      remove(key);
      return undefined;
    }
    return slot;
  }

  function write(key: string, value: KvValue, at: number | undefined): void {
    const slot = data.get(key);
    if (slot) {
      slot.value = value;
      slot.expiresAt = at;
    } else {
      data.set(key, { value, expiresAt: at });
      sorted = undefined;
    }
    if (at !== undefined) expiries.push(at, key);
  }

  function remove(key: string): boolean {
    const existed = data.delete(key);
    if (existed) sorted = undefined;
    return existed;
  }

  function sweep(): void {
    const now = clock.now();
    while (expiries.peekTime() <= now) {
      const [at, key] = expiries.pop();
      // The heap keeps stale entries for keys whose expiry changed; only the current one counts.
      if (data.get(key)?.expiresAt === at) remove(key);
    }
  }

  function firstIndex(keys: readonly string[], { prefix, after }: KvDriverScan): number {
    const bound = after ?? prefix;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = compareKeys(keys[mid] as string, bound);
      if (c < 0 || (c === 0 && after !== undefined)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  const driver: KvDriver = {
    adapter: 'memory',
    capabilities: { ttl: true, atomicBatch: true, persistent: false, synchronous: true },
    limits,
    open() {
      timer = setInterval(sweep, sweepIntervalMs);
      timer.unref();
    },
    close() {
      clearInterval(timer);
      data.clear();
      expiries.clear();
      sorted = undefined;
    },
    health: () => ({ keys: data.size }),

    get: (key) => copy(live(key)?.value),
    set(key, value, ttlMs) {
      write(key, copy(value), expiresAt(ttlMs));
    },
    delete: (key) => live(key) !== undefined && remove(key),
    exists: (key) => live(key) !== undefined,
    increment(key, delta) {
      const slot = live(key);
      const current = slot ? slot.value : 0n;
      if (typeof current !== 'bigint') {
        throw new KvError({ code: 'TYPE_MISMATCH', message: `value of '${key}' is not an s64`, key });
      }
      const next = current + delta;
      if (!isS64(next)) {
        throw new KvError({ code: 'TYPE_MISMATCH', message: `incrementing '${key}' leaves the s64 range`, key });
      }
      if (slot) slot.value = next;
      else write(key, next, undefined);
      return next;
    },
    compareAndSwap(key, expected, desired, ttlMs) {
      if (!kvValuesEqual(live(key)?.value, expected)) return false;
      if (desired === undefined) remove(key);
      else write(key, copy(desired), expiresAt(ttlMs));
      return true;
    },
    expire(key, ttlMs) {
      const slot = live(key);
      if (!slot) return false;
      write(key, slot.value, expiresAt(ttlMs));
      return true;
    },
    ttl(key) {
      const slot = live(key);
      if (!slot) return undefined;
      return slot.expiresAt === undefined ? { kind: 'never' } : { kind: 'after-ms', ms: slot.expiresAt - clock.now() };
    },
    scan(request) {
      sorted ??= [...data.keys()].sort(compareKeys);
      const keys = sorted;
      const entries: KvEntry[] = [];
      const now = clock.now();
      for (let i = firstIndex(keys, request); i < keys.length && entries.length < request.limit; i++) {
        const key = keys[i] as string;
        if (!key.startsWith(request.prefix)) break;
        const slot = data.get(key);
        if (slot && (slot.expiresAt === undefined || slot.expiresAt > now))
          entries.push({ key, value: copy(slot.value) });
      }
      return entries;
    },
    getMany: (keys) => keys.map((key) => copy(live(key)?.value)),
    setMany(entries, ttlMs) {
      const at = expiresAt(ttlMs);
      for (const { key, value } of entries) write(key, copy(value), at);
    },
    deleteMany(keys) {
      let count = 0;
      for (const key of keys) if (live(key) !== undefined && remove(key)) count++;
      return count;
    },
  };
  return defineKv(driver);
}

/** Byte arrays are copied in and out, so no caller can change what is stored. */
function copy<V extends KvValue | undefined>(value: V): V {
  return (value instanceof Uint8Array ? new Uint8Array(value) : value) as V;
}
