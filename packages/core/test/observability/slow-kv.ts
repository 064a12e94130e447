import type { KvValue } from '../../src/index.js';
import { defineAdapter, defineKv } from '../../src/adapter.js';
import * as v from 'valibot';

/**
 * A kv whose `get` waits `delayMs` on a timer before answering from a Map: a store that is
 * really slow, for the slow-call tests. Its builder also writes a line to the logger it is given.
 */
export const slowKvAdapter = defineAdapter({
  interface: 'kv',
  id: 'slow',
  options: v.strictObject({ delayMs: v.optional(v.number(), 20), healthHangs: v.optional(v.boolean(), false) }),
  create(options, context) {
    context.logger?.info({ delayMs: options.delayMs }, 'slow kv built');
    const data = new Map<string, KvValue>();
    return defineKv({
      adapter: 'slow',
      capabilities: { ttl: false, atomicBatch: false, persistent: false, synchronous: false },
      get: (key) => new Promise((resolve) => setTimeout(() => resolve(data.get(key)), options.delayMs)),
      set: (key, value) => void data.set(key, value),
      delete: (key) => data.delete(key),
      increment: () => 0n,
      compareAndSwap: () => false,
      expire: () => false,
      ttl: () => undefined,
      scan: () => [],
      // A health check that never answers: a store that accepted the connection and went silent.
      ...(options.healthHangs ? { health: () => new Promise<never>(() => undefined) } : {}),
    });
  },
});

declare module '../../src/index.js' {
  interface KvAdapterOptionsMap {
    slow: { readonly delayMs?: number; readonly healthHangs?: boolean };
  }
}
