import { err, errAsync, ok } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { createCache } from '../../src/index.js';
import { counted, until } from '../support/helpers.js';
import type { KvTarget } from '../support/kv-targets.js';

class NotFound extends Error {
  readonly code = 'NOT_FOUND';
}

/** getOrSet, get and set: hits and misses, values, negative caching, a loader's errors. */
export function describeBasics(target: KvTarget): void {
  describe('getOrSet, get and set', () => {
    it('loads a missing key once; later calls are hits', async () => {
      const cache = createCache(target.open());
      const source = counted(() => ({ id: 1, title: 'Write the docs' }));
      expect(expectOk(await cache.getOrSet('task:1', source.load))).toEqual({ id: 1, title: 'Write the docs' });
      expect(expectOk(await cache.getOrSet('task:1', source.load))).toEqual({ id: 1, title: 'Write the docs' });
      expect(source.calls()).toBe(1);
      expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, loads: 1, stale: 0, readErrors: 0, writeErrors: 0 });
    });

    it('gives back what was cached exactly: bigint, bytes, dates, odd numbers, $ keys, undefined items', async () => {
      const cache = createCache(target.open());
      const values: unknown[] = [
        { a: 1, nested: { b: [1, 'x', null, true], empty: {} } },
        'a line\nand another "quoted" \u2028 one',
        2n ** 70n,
        -5n,
        new Uint8Array([0, 255, 7, 128]),
        new Date('2026-05-01T12:34:56.789Z'),
        [1, undefined, 3],
        { $ref: 'x', $$: 1, $n: '5', plain: { $b: 'AA==' } },
        JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'),
        [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1.5],
        null,
        '',
        false,
        0,
      ];
      for (const [i, value] of values.entries()) {
        expectOk(await cache.getOrSet(`v:${i}`, () => value));
        const hit = expectOk(await cache.getOrSet(`v:${i}`, () => 'loaded again'));
        expect(hit, `value ${i}`).toEqual(value);
      }
      const numbers = expectOk(await cache.get<number[]>('v:9'))?.value as number[];
      expect(numbers.map((n) => Object.is(n, -0))).toEqual([false, false, false, true, false, false]);
      const proto = expectOk(await cache.get<object>('v:8'))?.value as Record<string, unknown>;
      expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
      expect(Object.hasOwn(proto, '__proto__')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(cache.stats()).toMatchObject({ loads: values.length, hits: values.length + 2 });
    });

    it('caches a found-nothing (undefined) for negativeTtlMs, and null as a value', async () => {
      const cache = createCache(target.open(), { negativeTtlMs: 40 });
      const missing = counted(() => undefined);
      expect(expectOk(await cache.getOrSet('user:404', missing.load))).toBeUndefined();
      expect(expectOk(await cache.getOrSet('user:404', missing.load))).toBeUndefined();
      expect(missing.calls()).toBe(1);
      expect(expectOk(await cache.get('user:404'))).toEqual({ value: undefined });
      await until(async () => expectOk(await cache.get('user:404')) === undefined);
      expect(expectOk(await cache.getOrSet('user:404', missing.load))).toBeUndefined();
      expect(missing.calls()).toBe(2);

      const nulls = counted(() => null);
      expectOk(await cache.getOrSet('user:null', nulls.load, { negativeTtlMs: 1 }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(expectOk(await cache.getOrSet('user:null', nulls.load))).toBeNull();
      expect(nulls.calls()).toBe(1);
    });

    it("passes a loader's Err through as it is, and caches nothing", async () => {
      const cache = createCache(target.open());
      const notFound = new NotFound('no task 7');
      const result = await cache.getOrSet('task:7', () => err(notFound));
      const error: NotFound | Error = result._unsafeUnwrapErr();
      expect(error).toBe(notFound);
      expect(expectErr(await cache.getOrSet('task:7', () => errAsync(notFound)), 'NOT_FOUND')).toBe(notFound);
      expect(expectOk(await cache.getOrSet('task:7', async () => ok('found at last')))).toBe('found at last');
      expect(cache.stats()).toMatchObject({ loads: 3, loadErrors: 2 });
    });

    it('turns a loader that throws into LOAD_FAILED with the throw as cause, and caches nothing', async () => {
      const cache = createCache(target.open());
      const boom = new Error('connection reset');
      const error = expectErr(
        await cache.getOrSet('task:8', () => {
          throw boom;
        }),
        'LOAD_FAILED',
      );
      expect(error.cause).toBe(boom);
      expect(error.message).toContain("'task:8'");
      expectErr(await cache.getOrSet('task:8', () => Promise.reject(boom)), 'LOAD_FAILED');
      expect(expectOk(await cache.getOrSet('task:8', () => 8))).toBe(8);
    });

    it('refuses a value it cannot give back exactly (NOT_ENCODABLE, naming the part)', async () => {
      const cache = createCache(target.open());
      const loaded = expectErr(await cache.getOrSet('m', () => ({ items: [1, { seen: new Map() }] })), 'NOT_ENCODABLE');
      expect(loaded.message).toContain('value.items[1].seen is a Map');
      const cyclic: Record<string, unknown> = { name: 'loop' };
      cyclic.self = cyclic;
      expect(expectErr(await cache.set('c', cyclic), 'NOT_ENCODABLE').message).toContain('value.self');
      expect(expectErr(await cache.set('f', { run: () => 1 }), 'NOT_ENCODABLE').message).toContain(
        'value.run is a function',
      );
      expectErr(await cache.set('d', new Date(Number.NaN)), 'NOT_ENCODABLE');
      expect(expectOk(await cache.get('m'))).toBeUndefined();
    });

    it('get and set: a miss is undefined, a hit { value }, a cached found-nothing { value: undefined }', async () => {
      const cache = createCache(target.open());
      expect(expectOk(await cache.get('k'))).toBeUndefined();
      expectOk(await cache.set('k', { n: 1 }));
      expect(expectOk(await cache.get('k'))).toEqual({ value: { n: 1 } });
      expectOk(await cache.set('gone', undefined));
      expect(expectOk(await cache.get('gone'))).toEqual({ value: undefined });
      expect(expectOk(await cache.getOrSet('k', () => ({ n: 2 })))).toEqual({ n: 1 });
      expectOk(await cache.set('short', 'x', { ttlMs: 30 }));
      await until(async () => expectOk(await cache.get('short')) === undefined);
    });

    it('keeps caches with different prefixes apart on one kv', async () => {
      const kv = target.open();
      const a = createCache(kv, { prefix: 'a:' });
      const b = createCache(kv, { prefix: 'b:' });
      expectOk(await a.set('k', 'from a'));
      expect(expectOk(await b.get('k'))).toBeUndefined();
      expect(expectOk(await b.getOrSet('k', () => 'from b'))).toBe('from b');
      expect(expectOk(await a.get('k'))).toEqual({ value: 'from a' });
    });

    it('throws on programming mistakes: an empty key, a bad ttlMs, an empty tag, a missing loader', () => {
      const cache = createCache(target.open());
      expect(() => cache.getOrSet('', () => 1)).toThrow(/key must be a non-empty string/);
      expect(() => cache.getOrSet('k', () => 1, { ttlMs: 0 })).toThrow(/ttlMs must be an integer/);
      expect(() => cache.set('k', 1, { tags: ['ok', ''] })).toThrow(/tags\[1\] must be a non-empty string/);
      expect(() => cache.getOrSet('k', undefined as never)).toThrow(/load must be a function/);
      expect(() => cache.invalidate([42 as never])).toThrow(/keys\[0\]/);
    });
  });
}
