import { describe, expect, it } from 'vitest';
import { KvError } from '../src/index.js';
import { defineKv, type KvDriver } from '../src/adapter.js';
import { expectErr, expectOk } from '@keel/testing';

/** A driver whose methods do what each test says; the guard is what is under test here. */
function driver(overrides: Partial<KvDriver>): KvDriver {
  return {
    adapter: 'test',
    capabilities: { ttl: false, atomicBatch: false, persistent: false, synchronous: false },
    get: () => undefined,
    set: () => undefined,
    delete: () => false,
    increment: () => 0n,
    compareAndSwap: () => false,
    expire: () => false,
    ttl: () => undefined,
    scan: () => [],
    ...overrides,
  };
}

describe('defineKv guard', () => {
  it('turns a stray throw into INTERNAL with the original as cause', async () => {
    const boom = new Error('disk on fire');
    const kv = defineKv(
      driver({
        get: () => {
          throw boom;
        },
      }),
    );
    const error = expectErr(await kv.get('k'), 'INTERNAL');
    expect(error.cause).toBe(boom);
    expect(error.adapter).toBe('test');
    expect(error.op).toBe('get');
    expect(error.key).toBe('k');
    expect(error.message).toContain('disk on fire');
  });

  it('turns a rejection into INTERNAL too', async () => {
    const kv = defineKv(driver({ set: () => Promise.reject(new Error('io')) }));
    expect(expectErr(await kv.set('k', 'v'), 'INTERNAL').message).toContain('io');
  });

  it('keeps a KvError thrown by the driver, adding adapter and op', async () => {
    const kv = defineKv(
      driver({
        increment: () => {
          throw new KvError({ code: 'TYPE_MISMATCH', message: 'not a number' });
        },
      }),
    );
    const error = expectErr(await kv.increment('n'), 'TYPE_MISMATCH');
    expect([error.adapter, error.op, error.key, error.message]).toEqual(['test', 'increment', 'n', 'not a number']);
  });

  it('opens lazily once, and retries an open that failed', async () => {
    let opens = 0;
    const kv = defineKv(
      driver({
        open: () => {
          opens++;
          if (opens === 1) throw new KvError({ code: 'UNAVAILABLE', message: 'folder /x is locked' });
        },
      }),
    );
    expect(expectErr(await kv.get('k'), 'UNAVAILABLE').message).toBe('folder /x is locked');
    await Promise.all([kv.get('a'), kv.get('b'), kv.get('c')]);
    expectOk(await kv.open());
    expect(opens).toBe(2);
  });

  it('refuses ttl when the adapter has no expiry, before calling it', async () => {
    let called = false;
    const kv = defineKv(driver({ set: () => void (called = true) }));
    expectErr(await kv.set('k', 'v', { ttlMs: 10 }), 'UNSUPPORTED');
    expect(called).toBe(false);
  });

  it('derives exists, getMany, setMany and deleteMany from the required methods', async () => {
    const store = new Map<string, string>();
    const kv = defineKv(
      driver({
        get: async (k) => store.get(k),
        set: async (k, v) => void store.set(k, v as string),
        delete: async (k) => store.delete(k),
      }),
    );
    expectOk(
      await kv.setMany([
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
      ]),
    );
    expect(expectOk(await kv.getMany(['b', 'x', 'a']))).toEqual(['2', undefined, '1']);
    expect(expectOk(await kv.exists('a'))).toBe(true);
    expect(expectOk(await kv.deleteMany(['a', 'x']))).toBe(1);
    expect([...store.keys()]).toEqual(['b']);
  });

  it('close waits for a slow call in flight, then closes the driver', async () => {
    const order: string[] = [];
    const kv = defineKv(
      driver({
        get: () => new Promise((resolve) => setTimeout(() => (order.push('get'), resolve('v')), 30)),
        close: () => void order.push('close'),
      }),
    );
    const pending = kv.get('k');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await kv.close();
    expect(expectOk(await pending)).toBe('v');
    expect(order).toEqual(['get', 'close']);
  });

  it('validates the scan cursor and asks the driver for one extra entry', async () => {
    const limits: number[] = [];
    const kv = defineKv(
      driver({
        scan: ({ limit, after }) => {
          limits.push(limit);
          const keys = ['p1', 'p2', 'p3'].filter((k) => after === undefined || k > after);
          return keys.slice(0, limit).map((key) => ({ key, value: key }));
        },
      }),
    );
    const first = expectOk(await kv.scan({ prefix: 'p', limit: 2 }));
    expect(first.entries.map((e) => e.key)).toEqual(['p1', 'p2']);
    const second = expectOk(await kv.scan({ prefix: 'p', limit: 2, cursor: first.cursor as string }));
    expect(second).toEqual({ entries: [{ key: 'p3', value: 'p3' }], cursor: undefined });
    expect(limits).toEqual([3, 3]);
  });

  describe('the synchronous facet', () => {
    const synchronous = { ttl: false, atomicBatch: false, persistent: false, synchronous: true };

    it('is absent unless the driver declares synchronous', () => {
      expect(defineKv(driver({})).sync).toBeUndefined();
      expect(defineKv(driver({ capabilities: synchronous })).sync).toBeDefined();
    });

    it('opens a synchronous driver on its first call, and retries an open that threw', () => {
      let attempts = 0;
      const kv = defineKv(
        driver({
          capabilities: synchronous,
          open: () => {
            if (++attempts === 1) throw new Error('disk not ready');
          },
          get: () => 'v',
        }),
      );
      const failed = expectErr(kv.sync!.get('k'), 'INTERNAL');
      expect(failed.op).toBe('open');
      expect(expectOk(kv.sync!.get('k'))).toBe('v');
      expect(attempts).toBe(2);
    });

    it('is UNAVAILABLE while an asynchronous open is in flight, and answers once it is done', async () => {
      let finish = () => {};
      const kv = defineKv(
        driver({
          capabilities: synchronous,
          open: () => new Promise<void>((resolve) => (finish = resolve)),
          get: () => 'v',
        }),
      );
      const opening = kv.open();
      expectErr(kv.sync!.get('k'), 'UNAVAILABLE');
      finish();
      expectOk(await opening);
      expect(expectOk(kv.sync!.get('k'))).toBe('v');
    });

    it('a synchronous call during a retried asynchronous open says why the last one failed', async () => {
      let attempt = 0;
      const kv = defineKv(
        driver({
          capabilities: synchronous,
          open: () => (++attempt === 1 ? Promise.reject(new Error('disk gone')) : new Promise<void>(() => {})),
        }),
      );
      expectErr(await kv.open(), 'INTERNAL');
      expect(expectErr(kv.sync!.get('k'), 'UNAVAILABLE').message).toContain('the last attempt failed: disk gone');
      expect(attempt).toBe(2);
    });

    it('close during a failing open: nothing opens again and the unopened driver is not closed', async () => {
      const events: string[] = [];
      let fail: (error: Error) => void = () => {};
      const kv = defineKv(
        driver({
          capabilities: synchronous,
          open: () => {
            events.push('open');
            return events.length === 1 ? new Promise<void>((_, reject) => (fail = reject)) : undefined;
          },
          close: () => void events.push('close'),
          get: () => 'v',
        }),
      );
      const opening = kv.open();
      const closed = kv.close();
      fail(new Error('disk gone'));
      expectErr(kv.sync!.get('k'), 'NOT_OPEN');
      expectErr(await kv.get('k'), 'NOT_OPEN');
      expectErr(await kv.open(), 'NOT_OPEN');
      await closed;
      expect(expectErr(await opening, 'INTERNAL').op).toBe('open');
      expectErr(kv.sync!.get('k'), 'NOT_OPEN');
      expect(events).toEqual(['open']);
    });

    it('turns a promise from a driver that declared itself synchronous into INTERNAL', () => {
      const kv = defineKv(driver({ capabilities: synchronous, get: () => Promise.reject(new Error('late')) }));
      const error = expectErr(kv.sync!.get('k'), 'INTERNAL');
      expect(error.message).toContain('answered get with a promise');
    });

    it('runs the same checks as the async surface', () => {
      const kv = defineKv(driver({ capabilities: synchronous }));
      expectErr(kv.sync!.set('k', 'v', { ttlMs: 5 }), 'UNSUPPORTED');
      expectErr(kv.sync!.scan({ cursor: 'not a cursor' }), 'INVALID_CURSOR');
      expect(() => kv.sync!.increment('k', 1 as never)).toThrow(TypeError);
    });
  });
});
