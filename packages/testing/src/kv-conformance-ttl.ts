import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import type { KvHarness } from './kv-harness.js';

const LONG = 3_600_000;

export function ttlTests(h: KvHarness): void {
  // Long enough that a key is still there when read right after it was set. In real time that
  // read may wait on a busy machine (a component's call through its worker): 40 ms was not enough.
  const SHORT = h.options.time === 'real' ? 400 : 40;
  h.test(
    'an expired key is never returned',
    async () => {
      const { instance: kv, context } = await h.create();
      expectOk(await kv.set('s', 'soon', { ttlMs: SHORT }));
      expectOk(await kv.set('p', 'stays'));
      expect(expectOk(await kv.get('s'))).toBe('soon');
      await h.elapse(context, SHORT + 20);
      expect(expectOk(await kv.get('s'))).toBeUndefined();
      expect(expectOk(await kv.exists('s'))).toBe(false);
      expect(expectOk(await kv.ttl('s'))).toBeUndefined();
      expect(expectOk(await kv.getMany(['s', 'p']))).toEqual([undefined, 'stays']);
      expect(expectOk(await kv.scan()).entries.map((e) => e.key)).toEqual(['p']);
      expect(expectOk(await kv.delete('s'))).toBe(false);
      expect(expectOk(await kv.compareAndSwap('s', undefined, 'new'))).toBe(true);
    },
    'ttl',
  );

  h.test(
    'ttl reports never, the time left, or a missing key',
    async () => {
      const kv = await h.kv();
      expectOk(await kv.set('forever', 1n));
      expectOk(await kv.set('later', 1n, { ttlMs: LONG }));
      expect(expectOk(await kv.ttl('forever'))).toEqual({ kind: 'never' });
      const left = expectOk(await kv.ttl('later'));
      expect(left?.kind).toBe('after-ms');
      const ms = (left as { ms: number }).ms;
      expect(ms).toBeGreaterThan(LONG - 60_000);
      expect(ms).toBeLessThanOrEqual(LONG);
      expect(expectOk(await kv.ttl('missing'))).toBeUndefined();
    },
    'ttl',
  );

  h.test(
    'expire sets and clears expiry on existing keys only',
    async () => {
      const { instance: kv, context } = await h.create();
      expectOk(await kv.set('k', 'v'));
      expect(expectOk(await kv.expire('missing', LONG))).toBe(false);
      expect(expectOk(await kv.expire('k', LONG))).toBe(true);
      expect(expectOk(await kv.ttl('k'))?.kind).toBe('after-ms');
      expect(expectOk(await kv.expire('k', undefined))).toBe(true);
      expect(expectOk(await kv.ttl('k'))).toEqual({ kind: 'never' });
      expect(expectOk(await kv.expire('k', SHORT))).toBe(true);
      await h.elapse(context, SHORT + 20);
      expect(expectOk(await kv.get('k'))).toBeUndefined();
    },
    'ttl',
  );

  h.test(
    'increment keeps the expiry; set without ttl clears it',
    async () => {
      const kv = await h.kv();
      expectOk(await kv.set('n', 1n, { ttlMs: LONG }));
      expectOk(await kv.increment('n'));
      expect(expectOk(await kv.ttl('n'))?.kind).toBe('after-ms');
      expectOk(await kv.set('n', 5n));
      expect(expectOk(await kv.ttl('n'))).toEqual({ kind: 'never' });
    },
    'ttl',
  );

  h.test(
    'an expired counter restarts from zero',
    async () => {
      const { instance: kv, context } = await h.create();
      expectOk(await kv.set('rate', 10n, { ttlMs: SHORT }));
      await h.elapse(context, SHORT + 20);
      expect(expectOk(await kv.increment('rate'))).toBe(1n);
      expect(expectOk(await kv.ttl('rate'))).toEqual({ kind: 'never' });
    },
    'ttl',
  );

  h.test(
    'setMany applies one ttl to every entry',
    async () => {
      const { instance: kv, context } = await h.create();
      expectOk(
        await kv.setMany(
          [
            { key: 'a', value: 1n },
            { key: 'b', value: 2n },
          ],
          { ttlMs: SHORT },
        ),
      );
      expect(expectOk(await kv.getMany(['a', 'b']))).toEqual([1n, 2n]);
      await h.elapse(context, SHORT + 20);
      expect(expectOk(await kv.getMany(['a', 'b']))).toEqual([undefined, undefined]);
    },
    'ttl',
  );

  if (h.options.capabilities.ttl) return;
  h.test('an adapter without expiry refuses ttl with UNSUPPORTED', async () => {
    const kv = await h.kv();
    expectErr(await kv.set('k', 'v', { ttlMs: 1000 }), 'UNSUPPORTED');
    expectErr(await kv.expire('k', 1000), 'UNSUPPORTED');
  });
}
