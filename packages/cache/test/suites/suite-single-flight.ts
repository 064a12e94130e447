import type { Kv } from '@keel/core';
import { expectOk } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { createCache } from '../../src/index.js';
import { counted, deferred, pausing, sleep } from '../support/helpers.js';
import type { KvTarget } from '../support/kv-targets.js';

/**
 * Single-flight: within one cache by sharing the flight, between caches on one store (as between
 * processes; the real multi-process test is processes.test.ts) through the kv lease.
 */
export function describeSingleFlight(target: KvTarget): void {
  const twoProcesses = (): [Kv, Kv] => {
    const kv = target.open();
    return [kv, target.reconnect?.() ?? kv];
  };

  describe('single-flight', () => {
    it('1,000 concurrent misses in one process load once', async () => {
      const cache = createCache(target.open());
      const source = counted(async () => {
        await sleep(20);
        return { rows: [1, 2, 3] };
      });
      const results = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet('hot', source.load)));
      expect(source.calls()).toBe(1);
      for (const r of results) expect(expectOk(r)).toEqual({ rows: [1, 2, 3] });
      expect(cache.stats()).toMatchObject({ loads: 1, misses: 1, coalesced: 999 });
    });

    it("shares a loader's Err with the callers in flight, and caches nothing", async () => {
      const cache = createCache(target.open());
      const failing = counted(async () => {
        await sleep(5);
        throw new Error('database down');
      });
      const results = await Promise.all(Array.from({ length: 10 }, () => cache.getOrSet('k', failing.load)));
      expect(results.every((r) => r.isErr() && r.error.code === 'LOAD_FAILED')).toBe(true);
      expect(failing.calls()).toBe(1);
      expectOk(await cache.getOrSet('k', () => 'ok'));
    });

    it('two caches on one store (as two processes) × 500 concurrent misses load once between them', async () => {
      const [kvA, kvB] = twoProcesses();
      const a = createCache(kvA);
      const b = createCache(kvB);
      const source = counted(async () => {
        await sleep(30);
        return 'value';
      });
      const calls = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? a : b).getOrSet('hot', source.load));
      const results = await Promise.all(calls);
      expect(results.map((r) => expectOk(r))).toEqual(Array(1000).fill('value'));
      expect(source.calls()).toBe(1);
      expect(a.stats().loads + b.stats().loads).toBe(1);
    });

    it('does not load again when it takes the lease just after the holder wrote the value', async () => {
      const [kvA, kvB] = twoProcesses();
      // B's lease request is held back until A has loaded, written and let go of the lease.
      const b = pausing(kvB, (key) => key.startsWith('cache:l:'));
      const holder = createCache(kvA);
      const late = createCache(b.kv);
      const source = counted(() => 'v');
      const waiting = late.getOrSet('k', source.load);
      await waitFor(() => b.paused() === 1);
      expect(expectOk(await holder.getOrSet('k', source.load))).toBe('v');
      b.open();
      expect(expectOk(await waiting)).toBe('v');
      expect(source.calls()).toBe(1);
      expect(late.stats()).toMatchObject({ misses: 1, loads: 0 });
    });

    it("takes over a dead holder's lease when it expires, and loads", async () => {
      const [kvA, kvB] = twoProcesses();
      const holder = createCache(kvA, { leaseMs: 150 });
      const waiter = createCache(kvB, { leaseMs: 150, leaseWaitMs: 10_000, leasePollMs: 5 });
      const never = deferred<string>();
      const stuck = holder.getOrSet('k', () => never.promise);
      await waitFor(() => holder.stats().loads === 1);
      expect(expectOk(await waiter.getOrSet('k', () => 'loaded by the waiter'))).toBe('loaded by the waiter');
      expect(waiter.stats()).toMatchObject({ loads: 1, leaseWaits: 1, leaseTimeouts: 0 });
      // The holder wakes up late: its value does not replace the newer one.
      never.resolve('late');
      expect(expectOk(await stuck)).toBe('late');
      expect(holder.stats().writesSkipped).toBe(1);
      expect(expectOk(await waiter.get('k'))).toEqual({ value: 'loaded by the waiter' });
    });

    it('loads without the lease when the wait runs out (leaseWaitMs)', async () => {
      const [kvA, kvB] = twoProcesses();
      const holder = createCache(kvA, { leaseMs: 60_000 });
      const waiter = createCache(kvB, { leaseMs: 60_000, leaseWaitMs: 60, leasePollMs: 5 });
      const slow = deferred<string>();
      const first = holder.getOrSet('k', () => slow.promise);
      await waitFor(() => holder.stats().loads === 1);
      expect(expectOk(await waiter.getOrSet('k', () => 'impatient'))).toBe('impatient');
      expect(waiter.stats()).toMatchObject({ loads: 1, leaseWaits: 1, leaseTimeouts: 1 });
      slow.resolve('patient');
      expectOk(await first);
    });

    it('with leaseMs 0 each cache loads on its own (single-flight within a process only)', async () => {
      const [kvA, kvB] = twoProcesses();
      const a = createCache(kvA, { leaseMs: 0 });
      const b = createCache(kvB, { leaseMs: 0 });
      const gate = deferred<void>();
      const source = counted(async () => {
        await gate.promise;
        return 'v';
      });
      const both = Promise.all([a.getOrSet('k', source.load), b.getOrSet('k', source.load)]);
      await waitFor(() => source.calls() === 2);
      gate.resolve();
      await both;
      expect(source.calls()).toBe(2);
    });
  });
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await sleep(2);
  expect(check()).toBe(true);
}
