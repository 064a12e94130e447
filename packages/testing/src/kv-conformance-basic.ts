import { expect } from 'vitest';
import type { KvValue } from '@keel/core';
import { expectErr, expectOk } from './expect-result.js';
import type { KvHarness } from './kv-harness.js';

const samples: [string, KvValue][] = [
  ['text', 'hello, wörld 😀'],
  ['empty text', ''],
  ['bytes', new Uint8Array([0, 1, 2, 254, 255])],
  ['empty bytes', new Uint8Array()],
  ['s64 max', 2n ** 63n - 1n],
  ['s64 min', -(2n ** 63n)],
  ['f64', 3.141592653589793],
  ['f64 NaN', Number.NaN],
  ['f64 -0', -0],
  ['f64 infinity', Number.NEGATIVE_INFINITY],
  ['f64 integral', 42],
  ['bool true', true],
  ['bool false', false],
];

export function basicTests(h: KvHarness): void {
  h.test('declares the capabilities it was registered with', async () => {
    const kv = await h.kv();
    expect({ ...kv.capabilities }).toEqual({ ...h.options.capabilities });
  });

  h.test('get of a missing key is undefined', async () => {
    const kv = await h.kv();
    expect(expectOk(await kv.get('missing'))).toBeUndefined();
    expect(expectOk(await kv.exists('missing'))).toBe(false);
  });

  h.test('round-trips every value type exactly', async () => {
    const kv = await h.kv();
    for (const [name, value] of samples) {
      expectOk(await kv.set(`v:${name}`, value));
      const read = expectOk(await kv.get(`v:${name}`));
      if (value instanceof Uint8Array) {
        expect(read, name).toBeInstanceOf(Uint8Array);
        expect([...(read as Uint8Array)], name).toEqual([...value]);
      } else {
        expect(Object.is(read, value), `${name}: ${String(read)}`).toBe(true);
      }
    }
  });

  h.test('set overwrites, including with another type', async () => {
    const kv = await h.kv();
    expectOk(await kv.set('k', 'text'));
    expectOk(await kv.set('k', 7n));
    expect(expectOk(await kv.get('k'))).toBe(7n);
  });

  h.test('stored bytes are not changed by the caller afterwards', async () => {
    const kv = await h.kv();
    const bytes = new Uint8Array([1, 2, 3]);
    expectOk(await kv.set('b', bytes));
    bytes[0] = 9;
    const read = expectOk(await kv.get('b')) as Uint8Array;
    read[1] = 9;
    expect([...(expectOk(await kv.get('b')) as Uint8Array)]).toEqual([1, 2, 3]);
  });

  h.test('delete says whether the key existed', async () => {
    const kv = await h.kv();
    expectOk(await kv.set('d', true));
    expect(expectOk(await kv.exists('d'))).toBe(true);
    expect(expectOk(await kv.delete('d'))).toBe(true);
    expect(expectOk(await kv.delete('d'))).toBe(false);
    expect(expectOk(await kv.get('d'))).toBeUndefined();
  });

  h.test('keys are exact: case, whitespace and unicode matter', async () => {
    const kv = await h.kv();
    const keys = ['Key', 'key', 'key ', ' key', 'ké', 'ke\u0301', 'a\u0000b', '😀'];
    for (const [i, key] of keys.entries()) expectOk(await kv.set(key, BigInt(i)));
    for (const [i, key] of keys.entries()) expect(expectOk(await kv.get(key)), JSON.stringify(key)).toBe(BigInt(i));
  });

  h.test('rejects bad keys and values with typed errors and stores nothing', async () => {
    const kv = await h.kv();
    expectErr(await kv.set('', 'x'), 'INVALID_ARGUMENT');
    expectErr(await kv.get(''), 'INVALID_ARGUMENT');
    expectErr(await kv.set('k', {} as unknown as KvValue), 'INVALID_ARGUMENT');
    expectErr(await kv.set('k', undefined as unknown as KvValue), 'INVALID_ARGUMENT');
    expectErr(await kv.set('k', null as unknown as KvValue), 'INVALID_ARGUMENT');
    expectErr(await kv.set('k', 2n ** 63n), 'INVALID_ARGUMENT');
    expectErr(await kv.set('lone\ud800', 'x'), 'INVALID_ARGUMENT');
    expectErr(await kv.set('k', 'lone\udc00 surrogate'), 'INVALID_ARGUMENT');
    expectErr(await kv.scan({ prefix: '\ud800' }), 'INVALID_ARGUMENT');
    expectErr(await kv.set('k', 'x', { ttlMs: 0 }), kv.capabilities.ttl ? 'INVALID_ARGUMENT' : 'UNSUPPORTED');
    expectErr(await kv.set('k', 'x', { ttlMs: 1.5 }), kv.capabilities.ttl ? 'INVALID_ARGUMENT' : 'UNSUPPORTED');
    expect(expectOk(await kv.exists('k'))).toBe(false);
    expect(() => kv.get(42 as unknown as string)).toThrow(TypeError);
    expect(() => kv.increment('k', 1 as unknown as bigint)).toThrow(TypeError);
  });

  h.test('refuses keys and values over the limits with TOO_LARGE', async () => {
    const kv = await h.kv();
    expectErr(await kv.set('k'.repeat(1025), 'x'), 'TOO_LARGE');
    expectErr(await kv.set('é'.repeat(513), 'x'), 'TOO_LARGE');
    expectErr(await kv.set('big', 'x'.repeat(8 * 1024 * 1024 + 1)), 'TOO_LARGE');
    expectErr(await kv.getMany(Array.from({ length: 10_001 }, (_, i) => `k${i}`)), 'TOO_LARGE');
    expect(expectOk(await kv.exists('big'))).toBe(false);
  });

  h.test('getMany, setMany and deleteMany keep order and count', async () => {
    const kv = await h.kv();
    expectOk(
      await kv.setMany([
        { key: 'm:1', value: 'one' },
        { key: 'm:2', value: 2n },
        { key: 'm:3', value: false },
      ]),
    );
    expect(expectOk(await kv.getMany(['m:3', 'm:missing', 'm:1', 'm:2']))).toEqual([false, undefined, 'one', 2n]);
    expect(expectOk(await kv.deleteMany(['m:1', 'm:missing', 'm:3']))).toBe(2);
    expect(expectOk(await kv.getMany(['m:1', 'm:2', 'm:3']))).toEqual([undefined, 2n, undefined]);
    expect(expectOk(await kv.getMany([]))).toEqual([]);
  });

  h.test('setMany with one bad entry writes nothing', async () => {
    const kv = await h.kv();
    const r = await kv.setMany([
      { key: 'ok', value: 1n },
      { key: '', value: 2n },
    ]);
    expectErr(r, 'INVALID_ARGUMENT');
    expect(expectOk(await kv.exists('ok'))).toBe(false);
  });
}
