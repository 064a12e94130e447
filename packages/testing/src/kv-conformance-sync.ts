import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import type { KvHarness } from './kv-harness.js';

/** What `kv.sync` promises beyond being the same contract (which the suite run through it shows). */
export function syncTests(h: KvHarness): void {
  h.test('offers kv.sync exactly when it declares synchronous', async () => {
    const kv = await h.kv();
    expect(kv.sync !== undefined).toBe(h.options.capabilities.synchronous);
  });

  h.test(
    'kv.sync answers at once and shares the store with the async surface',
    async () => {
      const kv = await h.kv();
      const sync = kv.sync!;
      const first = sync.set('shared', 'from sync');
      expect(typeof (first as { then?: unknown }).then).toBe('undefined');
      expectOk(first);
      expect(expectOk(await kv.get('shared'))).toBe('from sync');
      expectOk(await kv.set('shared', 41n));
      expect(expectOk(sync.increment('shared'))).toBe(42n);
      expectErr(sync.get(''), 'INVALID_ARGUMENT');
      expect(() => sync.get(7 as never)).toThrow(TypeError);
    },
    'synchronous',
  );

  h.test(
    'kv.sync opens the store on its first call and is NOT_OPEN after close',
    async () => {
      const kv = await h.kv();
      expect(expectOk(kv.sync!.exists('nothing'))).toBe(false);
      await kv.close();
      expectErr(kv.sync!.get('k'), 'NOT_OPEN');
      expectErr(kv.sync!.setMany([{ key: 'k', value: 1 }]), 'NOT_OPEN');
    },
    'synchronous',
  );
}
