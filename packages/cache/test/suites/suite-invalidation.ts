import type { Kv } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { createCache, invalidateOnEvents } from '../../src/index.js';
import { counted, deferred, pausing } from '../support/helpers.js';
import type { KvTarget } from '../support/kv-targets.js';

/** invalidate, invalidateTag, the races between loads and invalidations, and events. */
export function describeInvalidation(target: KvTarget): void {
  /** Two caches on one store, as two processes would have (their own connection where the kv has one). */
  const twoProcesses = (): [Kv, Kv] => {
    const kv = target.open();
    return [kv, target.reconnect?.() ?? kv];
  };

  describe('invalidation', () => {
    it('invalidate drops the keys named and no others', async () => {
      const cache = createCache(target.open());
      let version = 1;
      const source = counted(() => version);
      for (const key of ['a', 'b', 'c']) expectOk(await cache.getOrSet(key, source.load));
      version = 2;
      expectOk(await cache.invalidate('a'));
      expectOk(await cache.invalidate(['b']));
      expect(expectOk(await cache.getOrSet('a', source.load))).toBe(2);
      expect(expectOk(await cache.getOrSet('b', source.load))).toBe(2);
      expect(expectOk(await cache.getOrSet('c', source.load))).toBe(1);
      expect(source.calls()).toBe(5);
      expectOk(await cache.invalidate([]));
    });

    it('invalidateTag drops every entry cached under the tag, in every cache on the store', async () => {
      const [kvA, kvB] = twoProcesses();
      const a = createCache(kvA);
      const b = createCache(kvB);
      let version = 1;
      const source = counted(() => version);
      expectOk(await a.getOrSet('task:1', source.load, { tags: ['ws:1', 'user:9'] }));
      expectOk(await a.getOrSet('task:2', source.load, { tags: ['ws:1'] }));
      expectOk(await a.getOrSet('task:3', source.load, { tags: ['ws:2'] }));
      version = 2;
      expectOk(await b.invalidateTag('user:9'));
      expect(expectOk(await a.getOrSet('task:1', source.load, { tags: ['user:9', 'ws:1'] }))).toBe(2);
      expect(expectOk(await a.getOrSet('task:2', source.load, { tags: ['ws:1'] }))).toBe(1);
      expectOk(await b.invalidateTag(['ws:1', 'ws:3']));
      expect(expectOk(await a.getOrSet('task:2', source.load, { tags: ['ws:1'] }))).toBe(2);
      expect(expectOk(await a.getOrSet('task:3', source.load, { tags: ['ws:2'] }))).toBe(1);
      expect(expectOk(await b.get('task:1'))).toBeUndefined();
      expect(a.stats()).toMatchObject({ stale: 2, loads: 5 });
    });

    it('counts an entry cached under other tags as stale, and caches it again under the new ones', async () => {
      const cache = createCache(target.open());
      const source = counted(() => 'v');
      expectOk(await cache.getOrSet('k', source.load, { tags: ['x'] }));
      expectOk(await cache.getOrSet('k', source.load, { tags: ['x', 'y'] }));
      expectOk(await cache.getOrSet('k', source.load, { tags: ['y', 'x', 'x'] }));
      expect(source.calls()).toBe(2);
      expect(expectOk(await cache.get('k', { tags: ['x'] }))).toBeUndefined();
      expect(expectOk(await cache.get('k'))).toEqual({ value: 'v' });
      expectOk(await cache.invalidateTag('y'));
      expect(expectOk(await cache.get('k'))).toBeUndefined();
    });

    it('a load that began before invalidate never writes its older value', async () => {
      const cache = createCache(target.open());
      const slow = deferred<string>();
      const first = cache.getOrSet('k', () => slow.promise);
      await until(() => cache.stats().loads === 1);
      expectOk(await cache.invalidate('k'));
      const after = cache.getOrSet('k', () => 'new');
      slow.resolve('old');
      expect(expectOk(await first)).toBe('old');
      expect(expectOk(await after)).toBe('new');
      expect(expectOk(await cache.getOrSet('k', () => 'loaded again'))).toBe('new');
      expect(cache.stats()).toMatchObject({ loads: 2, writesSkipped: 1, coalesced: 0 });
    });

    it('a load slower than tombstoneMs does not write (an invalidation during it may be forgotten)', async () => {
      const cache = createCache(target.open(), { tombstoneMs: 20 });
      const slow = counted(async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return 'slow';
      });
      expect(expectOk(await cache.getOrSet('k', slow.load))).toBe('slow');
      expect(expectOk(await cache.get('k'))).toBeUndefined();
      expect(cache.stats().writesSkipped).toBe(1);
    });

    it('a caller after invalidateTag returned never shares a load that began before it', async () => {
      const cache = createCache(target.open());
      const slow = deferred<string>();
      const first = cache.getOrSet('k', () => slow.promise, { tags: ['g'] });
      await until(() => cache.stats().loads === 1);
      expectOk(await cache.invalidateTag('g'));
      expect(expectOk(await cache.getOrSet('k', () => 'new', { tags: ['g'] }))).toBe('new');
      slow.resolve('old');
      expect(expectOk(await first)).toBe('old');
      expect(expectOk(await cache.getOrSet('k', () => 'loaded again', { tags: ['g'] }))).toBe('new');
    });

    for (const how of ['invalidate', 'invalidateTag'] as const) {
      it(`callers that joined a load another process's ${how} overtook look again`, async () => {
        const [kvA, kvB] = twoProcesses();
        const a = createCache(kvA);
        const b = createCache(kvB);
        let version = 1;
        const slow = deferred<void>();
        const source = counted(async () => {
          const seen = version;
          await slow.promise;
          return seen;
        });
        const first = a.getOrSet('k', source.load, { tags: ['g'] });
        await until(() => source.calls() === 1);
        version = 2;
        expectOk(await (how === 'invalidate' ? b.invalidate('k') : b.invalidateTag('g')));
        // In process A nothing says the key changed: this caller joins the load in flight…
        const joined = a.getOrSet('k', source.load, { tags: ['g'] });
        slow.resolve();
        expect(expectOk(await first)).toBe(1);
        // …and, that load having overlapped the invalidation, looks again instead of taking its value.
        expect(expectOk(await joined)).toBe(2);
        expect(a.stats()).toMatchObject({ coalesced: 1, loads: 2 });
        expect(expectOk(await b.getOrSet('k', source.load, { tags: ['g'] }))).toBe(2);
      });
    }

    for (const how of ['invalidate', 'invalidateTag'] as const) {
      it(`a caller who joins a written load after another process's ${how} gets what followed it`, async () => {
        const [kvA, kvB] = twoProcesses();
        // Holds process A's flight after it wrote its value, while it gives the lease back (the
        // key's second lease compare-and-swap): the flight is still there for a caller to join.
        let leaseCalls = 0;
        const held = pausing(kvA, (key) => key.endsWith('l:k') && ++leaseCalls === 2);
        const a = createCache(held.kv);
        const b = createCache(kvB);
        let version = 1;
        const source = counted(() => version);
        const first = a.getOrSet('k', source.load, { tags: ['g'] });
        await until(() => held.paused() === 1);
        version = 2;
        expectOk(await (how === 'invalidate' ? b.invalidate('k') : b.invalidateTag('g')));
        const joined = a.getOrSet('k', source.load, { tags: ['g'] });
        held.open();
        expect(expectOk(await first)).toBe(1);
        expect(expectOk(await joined)).toBe(2);
      });
    }

    it('invalidateOnEvents invalidates the keys and tags each event names', async () => {
      const kv = target.open();
      const cache = createCache(kv);
      const onEvent = invalidateOnEvents(cache, {
        TaskUpdated: (e) => ({ keys: [`task:${e.aggregateId}`], tags: [`ws:${(e.data as { ws: string }).ws}`] }),
        TaskViewed: () => undefined,
      });
      expectOk(await cache.set('task:1', 'one'));
      expectOk(await cache.set('list:ws:7', ['one'], { tags: ['ws:7'] }));
      expectOk(await cache.set('list:ws:8', ['two'], { tags: ['ws:8'] }));
      expectOk(await onEvent({ type: 'TaskViewed', aggregateId: '1', data: {} }));
      expectOk(await onEvent({ type: 'TaskArchived', aggregateId: '1', data: {} }));
      expect(expectOk(await cache.get('task:1'))).toEqual({ value: 'one' });
      expectOk(await onEvent({ type: 'TaskUpdated', aggregateId: '1', data: { ws: '7' } }));
      expect(expectOk(await cache.get('task:1'))).toBeUndefined();
      expect(expectOk(await cache.get('list:ws:7'))).toBeUndefined();
      expect(expectOk(await cache.get('list:ws:8'))).toEqual({ value: ['two'] });
      await kv.close();
      const failed = expectErr(
        await onEvent({ type: 'TaskUpdated', aggregateId: '2', data: { ws: '8' } }),
        'WRITE_FAILED',
      );
      expect((failed.cause as { code: string }).code).toBe('NOT_OPEN');
      expect(() => invalidateOnEvents(cache, { TaskUpdated: 'task:1' as never })).toThrow(/rules.TaskUpdated/);
    });
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(check()).toBe(true);
}
