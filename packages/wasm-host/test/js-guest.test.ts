import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsGuestCacheDir, jsGuestPath } from '../fixtures/js-guest/build-js-guest.js';
import { createMemoryExecutionLog, createWasmHost } from '../src/index.js';
import { collectingLogger } from './support/fixtures.js';

// A real JavaScript guest (componentize-js, StarlingMonkey, ~12 MB), built on a cache miss
// (16–32 s) and otherwise read from the fixture cache; its transpiled form is cached there too.
let bytes: Uint8Array;
beforeAll(async () => {
  bytes = readFileSync(await jsGuestPath());
}, 180_000);
const kv = createMemoryKv();
afterAll(() => kv.close());

describe('a JavaScript guest built with componentize-js', () => {
  it.each(['in-thread', 'isolated'] as const)(
    'serves kv and log, runs on fuel, and in a pool keeps nothing between calls (%s)',
    async (mode) => {
      const log = createMemoryExecutionLog();
      const logger = collectingLogger();
      const host = createWasmHost(
        { kv },
        {
          cacheDir: join(jsGuestCacheDir(), 'wasm-cache'),
          logger,
          mode,
          executionLog: log,
          limits: { maxFuel: 2_000_000_000, timeoutMs: 30_000 },
        },
      );
      const grants = { kv: { prefix: `${mode}:` }, log: true };
      const guest = expectOk(await host.load(bytes, { id: 'js-guest', grants }));
      expect(expectOk(await guest.call('greet', 'keel'))).toBe('hello, keel');
      // The grant's prefix is the guest's namespace: its `visits` is the app's `<mode>:visits`.
      expect(expectOk(await guest.call('visit', 'visits'))).toBe(1n);
      expect(expectOk(await kv.get(`${mode}:visits`))).toBe(1n);
      expect(logger.lines.find((l) => l.message === 'visited')?.fields).toMatchObject({ count: 1, key: 'visits' });
      expect(log.records().at(-1)?.hostCalls).toMatchObject({ kv: 1, log: 1 });
      // Fuel: reported per call, and a loop past the budget is stopped.
      expect(log.records()[0]?.fuelUsed).toBeGreaterThan(0);
      expectErr(await guest.call('crunch', 100_000), 'FUEL_EXHAUSTED');
      // One instance, reused: state stays. In a pool, each call starts fresh.
      expect(expectOk(await guest.call('swap-secret', 'first caller'))).toBe('');
      expect(expectOk(await guest.call('swap-secret', 'second caller'))).toBe('first caller');
      const pooled = expectOk(await host.load(bytes, { id: 'js-pooled', grants, pool: { min: 1, max: 2 } }));
      expect(expectOk(await pooled.call('swap-secret', 'first caller'))).toBe('');
      expect(expectOk(await pooled.call('swap-secret', 'second caller'))).toBe('');
      expect(expectOk(await pooled.call('count'))).toBe(1);
      expect(expectOk(await pooled.call('count'))).toBe(1);
      await host.close();
    },
    120_000,
  );
});
