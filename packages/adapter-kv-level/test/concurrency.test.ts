import type { Kv } from '@keel/core';
import { ManualClock, expectOk } from '@keel/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createLevelKv } from '../src/index.js';
import { tempFolders } from './temp-folders.js';

/**
 * LevelDB has no transactions: a write issued but not yet applied is invisible to a read, so an
 * unguarded read-modify-write loses updates. These tests fire many calls at once, without
 * awaiting in between, and check that nothing is lost, torn or reordered.
 */
const temp = tempFolders('concurrency');
let count = 0;
const open: Kv[] = [];
function store(options: { clock?: ManualClock; sweepIntervalMs?: number } = {}): Kv {
  const kv = createLevelKv({ location: temp.folder(`s${count++}`), ...options });
  open.push(kv);
  return kv;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((kv) => kv.close()));
});

describe('level kv under concurrent callers', () => {
  it('applies the writes to one key in call order, whatever their kind', async () => {
    const kv = store();
    const first = Array.from({ length: 100 }, () => kv.increment('k'));
    const set = kv.set('k', 1000n);
    const swap = kv.compareAndSwap('k', 1000n, 2000n);
    const expire = kv.expire('k', 3_600_000);
    const last = Array.from({ length: 100 }, (_, i) => kv.increment('k', BigInt(i)));
    expect((await Promise.all(first)).map(expectOk)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i + 1)));
    expectOk(await set);
    expect(expectOk(await swap)).toBe(true);
    expect(expectOk(await expire)).toBe(true);
    let total = 2000n;
    expect((await Promise.all(last)).map(expectOk)).toEqual(
      Array.from({ length: 100 }, (_, i) => (total += BigInt(i))),
    );
    expect(expectOk(await kv.get('k'))).toBe(total);
    // The increments after expire kept its expiry.
    expect(expectOk(await kv.ttl('k'))?.kind).toBe('after-ms');
  });

  it('loses no update with many callers on many keys at once', async () => {
    const kv = store();
    const counters = Array.from({ length: 8 }, (_, i) => `counter:${i}`);
    const expected = new Map(counters.map((key) => [key, 0n]));
    const calls: PromiseLike<unknown>[] = [];
    // 2000 increments spread over 8 keys, fired without waiting.
    for (let i = 0; i < 2000; i++) {
      const key = counters[(i * 7) % counters.length] as string;
      const delta = BigInt((i % 5) - 1);
      expected.set(key, (expected.get(key) as bigint) + delta);
      calls.push(kv.increment(key, delta).then(expectOk));
    }
    // 16 compare-and-swap loops on one key, each adding 25.
    const swapper = async () => {
      for (let done = 0; done < 25; ) {
        const current = (expectOk(await kv.get('swapped')) ?? 0n) as bigint;
        const expectedValue = current === 0n ? undefined : current;
        if (expectOk(await kv.compareAndSwap('swapped', expectedValue, current + 1n))) done++;
      }
    };
    calls.push(...Array.from({ length: 16 }, swapper));
    await Promise.all(calls);
    expect(expectOk(await kv.getMany(counters))).toEqual(counters.map((key) => expected.get(key)));
    expect(expectOk(await kv.get('swapped'))).toBe(400n);
  });

  it('never shows a torn setMany or deleteMany to readers or to other batches', async () => {
    const kv = store();
    const group = Array.from({ length: 200 }, (_, i) => `g:${String(i).padStart(3, '0')}`);
    const writes: PromiseLike<unknown>[] = [];
    for (let round = 0; round < 100; round++) {
      // Writers overlap on every key, in different orders.
      const order = round % 2 === 0 ? group : [...group].reverse();
      if (round % 7 === 3) writes.push(kv.deleteMany(order).then(expectOk));
      else writes.push(kv.setMany(order.map((key) => ({ key, value: BigInt(round) }))).then(expectOk));
    }
    let writing = true;
    const torn: unknown[][] = [];
    let reads = 0;
    // Readers keep reading the whole group while the batches commit.
    const reader = async () => {
      while (writing) {
        const values = expectOk(await kv.getMany(group));
        reads++;
        if (new Set(values).size !== 1) torn.push(values);
        // Let LevelDB's completions in: a loop of resolved promises alone would starve them.
        await new Promise(setImmediate);
      }
    };
    const readers = Array.from({ length: 4 }, reader);
    await Promise.all(writes);
    writing = false;
    await Promise.all(readers);
    expect(reads).toBeGreaterThan(0);
    expect(torn.map((values) => [...new Set(values)])).toEqual([]);
    expect(new Set(expectOk(await kv.getMany(group))).size).toBe(1);
  });

  it('keeps keys rewritten while the sweep deletes their expired versions', async () => {
    const clock = new ManualClock();
    const kv = store({ clock, sweepIntervalMs: 1 });
    const keys = Array.from({ length: 300 }, (_, i) => `s:${i}`);
    for (let round = 0; round < 5; round++) {
      expectOk(
        await kv.setMany(
          keys.map((key) => ({ key, value: 'old' })),
          { ttlMs: 10 },
        ),
      );
      clock.advance(20);
      // Everything is due; rewrite while sweeps run every millisecond.
      const writes = keys.map((key, i) => (i % 2 === 0 ? kv.set(key, 'new') : kv.increment(key)));
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const r of await Promise.all(writes)) expectOk<unknown, unknown>(r);
      await new Promise((resolve) => setTimeout(resolve, 10));
      const values = expectOk(await kv.getMany(keys));
      expect(values).toEqual(keys.map((_, i) => (i % 2 === 0 ? 'new' : 1n)));
    }
  });

  it('gives every interleaving of random concurrent counters the serial total', async () => {
    const kv = store();
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.bigInt({ min: -100n, max: 100n })), {
          minLength: 1,
          maxLength: 200,
        }),
        async (ops) => {
          const prefix = `r${round++}:`;
          const results = await Promise.all(ops.map(([key, delta]) => kv.increment(`${prefix}${key}`, delta)));
          const totals = [0n, 0n, 0n, 0n];
          ops.forEach(([key, delta], i) => {
            totals[key] = (totals[key] as bigint) + delta;
            // Serial, in call order: each call sees the running total of its key.
            expect(expectOk(results[i] as never)).toBe(totals[key]);
          });
        },
      ),
      { numRuns: 30 },
    );
  });
});
