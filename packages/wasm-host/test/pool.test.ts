import { createMemoryKv } from '@keel/adapter-kv-memory';
import { ResultAsync } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryExecutionLog, createWasmHost } from '../src/index.js';
import { fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
afterAll(() => cache.remove());
const pure = fixture('pure').bytes;

describe('a warm pool (pool: { min, max })', () => {
  it.each(['in-thread', 'isolated'] as const)(
    'gives every call a fresh instance; without it, one is reused (%s)',
    async (mode) => {
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode });
      const pooled = expectOk(await host.load(pure, { pool: { min: 2, max: 2 } }));
      const plain = expectOk(await host.load(pure));
      // `count` counts the calls of its instance, in a global of the guest's.
      for (let i = 0; i < 4; i++) expect(expectOk(await pooled.call('count'))).toBe(1);
      const together = await Promise.all([1, 2, 3].map(() => pooled.call('count')));
      expect(together.map((r) => expectOk(r))).toEqual([1, 1, 1]);
      expect(expectOk(await plain.call('count'))).toBe(1);
      expect(expectOk(await plain.call('count'))).toBe(2);
      await host.close();
    },
  );

  it('runs calls of one component in parallel in isolated mode, one worker per call', async () => {
    const kv = createMemoryKv();
    // Each get waits until two are waiting: one worker alone would never get past it.
    let arrived = 0;
    let release: () => void = () => undefined;
    const both = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gated = {
      ...kv,
      sync: undefined,
      get: (key: string) =>
        new ResultAsync(
          (async () => {
            if (++arrived === 2) release();
            await both;
            return kv.get(key);
          })(),
        ),
    };
    const log = createMemoryExecutionLog();
    const host = createWasmHost({ kv: gated as never }, { cacheDir: cache.dir, logger: {}, executionLog: log });
    const guest = expectOk(
      await host.load(fixture('kv-guest').bytes, { grants: { kv: { prefix: 'p:' } }, pool: { min: 1, max: 2 } }),
    );
    const [a, b] = await Promise.all([guest.call('fetch', 'a'), guest.call('fetch', 'b')]);
    expect([a.isOk(), b.isOk()]).toEqual([true, true]);
    expect(log.records().map((r) => r.hostCalls['keel:infrastructure/kv'] ?? r.hostCalls.kv)).toEqual([1, 1]);
    await host.close();
  });

  it.each([
    [{ min: -1, max: 1 }, 'pool.min'],
    [{ min: 0, max: 0 }, 'pool.max'],
    [{ min: 3, max: 2 }, 'pool.min'],
    [{ min: 1.5, max: 2 }, 'pool.min'],
  ])('refuses pool %o with a TypeError naming %s', async (pool, field) => {
    const host = createWasmHost({}, { cacheDir: cache.dir, logger: {} });
    expect(() => host.load(pure, { pool })).toThrow(TypeError);
    expect(() => host.load(pure, { pool })).toThrow(field);
    await host.close();
  });
});
