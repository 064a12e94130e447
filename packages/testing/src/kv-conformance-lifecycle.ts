import { expect } from 'vitest';
import type { ResultAsync } from '@keel/core';
import type { Kv } from '@keel/core';
import type { KvError } from '@keel/core';
import { expectErr, expectOk } from './expect-result.js';
import type { KvHarness } from './kv-harness.js';

const everyOperation = (kv: Kv): ResultAsync<unknown, KvError>[] => [
  kv.get('k'),
  kv.set('k', 'v'),
  kv.delete('k'),
  kv.exists('k'),
  kv.increment('k'),
  kv.compareAndSwap('k', undefined, 'v'),
  kv.expire('k', undefined),
  kv.ttl('k'),
  kv.scan(),
  kv.getMany(['k']),
  kv.setMany([{ key: 'k', value: 'v' }]),
  kv.deleteMany(['k']),
];

export function lifecycleTests(h: KvHarness): void {
  h.test('every call after close is NOT_OPEN, and close is idempotent', async () => {
    const kv = await h.kv();
    expectOk(await kv.set('k', 'v'));
    await kv.close();
    await kv.close();
    for (const result of await Promise.all(everyOperation(kv))) expectErr(result, 'NOT_OPEN');
    expectErr(await kv.open(), 'NOT_OPEN');
  });

  h.test('calls in flight finish before close completes', async () => {
    const kv = await h.kv();
    const writes = Array.from({ length: 50 }, (_, i) => kv.set(`w${i}`, BigInt(i)));
    const closed = kv.close();
    for (const result of await Promise.all(writes)) expectOk(result);
    await closed;
  });

  h.test('health is ok while open and not after close', async () => {
    const kv = await h.kv();
    const healthy = await kv.health();
    expect(healthy.ok, healthy.error).toBe(true);
    expect(healthy.adapter).toBe(kv.adapter);
    await kv.close();
    expect((await kv.health()).ok).toBe(false);
  });

  h.test('Symbol.asyncDispose closes', async () => {
    const kv = await h.kv();
    await kv[Symbol.asyncDispose]();
    expectErr(await kv.get('k'), 'NOT_OPEN');
  });

  h.test(
    'data survives close and reopen',
    async () => {
      const { instance: kv, context } = await h.create();
      expectOk(
        await kv.setMany([
          { key: 'keep:1', value: 'one' },
          { key: 'keep:2', value: new Uint8Array([2]) },
        ]),
      );
      expectOk(await kv.increment('keep:n', 3n));
      await kv.close();
      const again = await h.reopen(context);
      expect(expectOk(await again.getMany(['keep:1', 'keep:2', 'keep:n']))).toEqual(['one', new Uint8Array([2]), 3n]);
    },
    'persistent',
  );
}
