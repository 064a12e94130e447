import { createJsonLogger, KvError } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { type CacheError, createCache } from '../../src/index.js';
import { counted } from '../support/helpers.js';
import type { KvTarget } from '../support/kv-targets.js';

/** What a kv failure does: reads fall back to the source, writes return the loaded value; both are reported. */
export function describeKvFailures(target: KvTarget): void {
  describe('when the kv fails', () => {
    it('loads from the source when the kv cannot be read, reports it, and caches nothing', async () => {
      const reported: CacheError[] = [];
      // The kv's own limit makes every read of this key fail (INVALID_ARGUMENT): a real kv error.
      const cache = createCache(target.open({ maxKeyBytes: 64 }), { onError: (e) => reported.push(e) });
      const key = `report:${'x'.repeat(80)}`;
      const source = counted(() => 'from the database');
      expect(expectOk(await cache.getOrSet(key, source.load))).toBe('from the database');
      expect(expectOk(await cache.getOrSet(key, source.load))).toBe('from the database');
      expect(source.calls()).toBe(2);
      expect(cache.stats()).toMatchObject({ readErrors: 2, loads: 2, hits: 0 });
      expect(reported.map((e) => e.code)).toEqual(['READ_FAILED', 'READ_FAILED']);
      expect(reported[0]?.cause).toBeInstanceOf(KvError);
      expect(expectErr(await cache.get(key), 'READ_FAILED').cause).toBeInstanceOf(KvError);
    });

    it('loads from the source when the kv is closed', async () => {
      const kv = target.open();
      const cache = createCache(kv);
      expectOk(await cache.set('k', 'cached'));
      await kv.close();
      expect(expectOk(await cache.getOrSet('k', () => 'from the source'))).toBe('from the source');
      expect(cache.stats().readErrors).toBe(1);
      for (const failed of [await cache.set('k', 1), await cache.invalidate('k'), await cache.invalidateTag('t')]) {
        expect((expectErr(failed, 'WRITE_FAILED').cause as KvError).code).toBe('NOT_OPEN');
      }
    });

    it('returns the loaded value when the kv cannot store it, and counts it', async () => {
      const reported: CacheError[] = [];
      const cache = createCache(target.open({ maxValueBytes: 256 }), { onError: (e) => reported.push(e) });
      const big = counted(() => 'x'.repeat(1000));
      expect(expectOk(await cache.getOrSet('big', big.load))).toHaveLength(1000);
      expect(expectOk(await cache.getOrSet('big', big.load))).toHaveLength(1000);
      expect(big.calls()).toBe(2);
      expect(cache.stats()).toMatchObject({ writeErrors: 2, loads: 2 });
      expect(reported.map((e) => [e.code, (e.cause as KvError).code])).toEqual([
        ['WRITE_FAILED', 'TOO_LARGE'],
        ['WRITE_FAILED', 'TOO_LARGE'],
      ]);
      expect(expectErr(await cache.set('big', 'x'.repeat(1000)), 'WRITE_FAILED').key).toBe('big');
    });

    it('reads a value it did not write as a miss, reports and logs it, and replaces it', async () => {
      const kv = target.open();
      const reported: string[] = [];
      const lines: Record<string, unknown>[] = [];
      const logger = createJsonLogger({ destination: { write: (line) => lines.push(JSON.parse(line)) } });
      const cache = createCache(kv, { onError: (e) => reported.push(e.code), logger });
      expectOk(await kv.set('cache:e:n', 42));
      expectOk(await kv.set('cache:e:t', 'written by something else'));
      expectOk(await kv.set('cache:e:j', 'k1\tt\tid\t\n{"$n": not json'));
      for (const key of ['n', 't', 'j'])
        expect(expectOk(await cache.getOrSet(key, () => `loaded ${key}`))).toBe(`loaded ${key}`);
      for (const key of ['n', 't', 'j'])
        expect(expectOk(await cache.getOrSet(key, () => 'again'))).toBe(`loaded ${key}`);
      expect(reported).toEqual(['CORRUPT_ENTRY', 'CORRUPT_ENTRY', 'CORRUPT_ENTRY']);
      expect(lines.map((l) => [l.level, l.code, l.key])).toEqual([
        [40, 'CORRUPT_ENTRY', 'n'],
        [40, 'CORRUPT_ENTRY', 't'],
        [40, 'CORRUPT_ENTRY', 'j'],
      ]);
      expect(cache.stats()).toMatchObject({ readErrors: 3, loads: 3, hits: 3 });
    });

    it('makes entries stale, not valid again, when a tag version is lost (evicted or deleted)', async () => {
      const kv = target.open();
      const cache = createCache(kv);
      expectOk(await cache.set('k', 'v', { tags: ['g'] }));
      expect(expectOk(await cache.get('k'))).toEqual({ value: 'v' });
      expectOk(await kv.delete('cache:t:g'));
      expect(expectOk(await cache.get('k'))).toBeUndefined();
      expect(expectOk(await cache.getOrSet('k', () => 'reloaded', { tags: ['g'] }))).toBe('reloaded');
    });
  });
}
