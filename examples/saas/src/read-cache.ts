import type { Kv } from '@keel/core';
import { unwrap } from './http-errors.js';

/** A JSON read cache in kv with a TTL; writers call `invalidate` after they commit. */
export function createReadCache(kv: Kv, ttlMs: number) {
  return {
    async get<T>(key: string, load: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
      const cached = ttlMs > 0 ? await unwrap(kv.get(`cache:${key}`)) : undefined;
      if (typeof cached === 'string') return { value: JSON.parse(cached) as T, hit: true };
      const value = await load();
      if (ttlMs > 0) await unwrap(kv.set(`cache:${key}`, JSON.stringify(value), { ttlMs }));
      return { value, hit: false };
    },
    async invalidate(key: string): Promise<void> {
      await unwrap(kv.delete(`cache:${key}`));
    },
  };
}
