import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import type { KvHarness } from './kv-harness.js';

export function atomicTests(h: KvHarness): void {
  h.test('increment starts a missing key at 0 and adds', async () => {
    const kv = await h.kv();
    expect(expectOk(await kv.increment('n'))).toBe(1n);
    expect(expectOk(await kv.increment('n', 41n))).toBe(42n);
    expect(expectOk(await kv.increment('n', -50n))).toBe(-8n);
    expect(expectOk(await kv.get('n'))).toBe(-8n);
  });

  h.test('increment refuses non-s64 values and overflow, leaving the value', async () => {
    const kv = await h.kv();
    expectOk(await kv.set('t', 'seven'));
    expectErr(await kv.increment('t'), 'TYPE_MISMATCH');
    expect(expectOk(await kv.get('t'))).toBe('seven');
    expectOk(await kv.set('f', 1.5));
    expectErr(await kv.increment('f'), 'TYPE_MISMATCH');
    expectOk(await kv.set('max', 2n ** 63n - 1n));
    expectErr(await kv.increment('max'), 'TYPE_MISMATCH');
    expect(expectOk(await kv.get('max'))).toBe(2n ** 63n - 1n);
  });

  h.test('concurrent increments lose no update', async () => {
    const kv = await h.kv();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => kv.increment('hits', BigInt((i % 3) + 1))));
    const values = results.map(expectOk);
    expect(expectOk(await kv.get('hits'))).toBe(600n);
    // Each call saw a distinct intermediate total, as a serialised counter must.
    expect(new Set(values).size).toBe(300);
  });

  h.test('compareAndSwap writes only on an exact match', async () => {
    const kv = await h.kv();
    expect(expectOk(await kv.compareAndSwap('c', undefined, 'first'))).toBe(true);
    expect(expectOk(await kv.compareAndSwap('c', undefined, 'again'))).toBe(false);
    expect(expectOk(await kv.compareAndSwap('c', 'wrong', 'x'))).toBe(false);
    expect(expectOk(await kv.compareAndSwap('c', 'first', 1n))).toBe(true);
    // Types matter: 1n (s64) is not 1 (f64).
    expect(expectOk(await kv.compareAndSwap('c', 1, 'y'))).toBe(false);
    expect(expectOk(await kv.get('c'))).toBe(1n);
    expect(expectOk(await kv.compareAndSwap('c', 1n, undefined))).toBe(true);
    expect(expectOk(await kv.exists('c'))).toBe(false);
  });

  h.test('compareAndSwap compares bytes by content', async () => {
    const kv = await h.kv();
    expectOk(await kv.set('b', new Uint8Array([1, 2])));
    expect(expectOk(await kv.compareAndSwap('b', new Uint8Array([1, 2, 3]), 'x'))).toBe(false);
    expect(expectOk(await kv.compareAndSwap('b', new Uint8Array([1, 2]), 'x'))).toBe(true);
  });

  h.test('concurrent compare-and-swap loops lose no update', async () => {
    const kv = await h.kv();
    expectOk(await kv.set('counter', 0n));
    const worker = async () => {
      for (let done = 0; done < 10; ) {
        const current = expectOk(await kv.get('counter')) as bigint;
        if (expectOk(await kv.compareAndSwap('counter', current, current + 1n))) done++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(expectOk(await kv.get('counter'))).toBe(80n);
  });
}
