import { createLevelKv } from '@keel/adapter-kv-level';
import { createKeel } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { componentKvAdapter, createComponentKv, createMemoryExecutionLog, createWasmHost } from '../src/index.js';
import { fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
afterAll(() => cache.remove());
const store = fixture('kv-store');
const guest = fixture('kv-guest');

describe('an asynchronous adapter serving synchronous guest imports', () => {
  it('LevelDB through the bridge (isolated mode)', async () => {
    const folder = tempDir('keel-level-');
    const kv = createLevelKv({ location: folder.dir });
    const host = createWasmHost({ kv }, { cacheDir: cache.dir, logger: {} });
    const c = expectOk(await host.load(guest.bytes, { grants: { kv: { prefix: 'app:' } } }));
    for (const key of ['b', 'a', 'c']) expect(expectOk(await c.call('put', key, key.toUpperCase()))).toBe(0);
    expect(expectOk(await c.call('fetch', 'a'))).toBe('A');
    expect(expectOk(await c.call('bump', 'n'))).toBe(1n);
    expect(expectOk(await c.call('bump', 'n'))).toBe(2n);
    expect(expectOk(await c.call('keys', '', 2))).toEqual(['a', 'b', 'c', 'n']);
    expect(expectOk(await kv.get('app:b'))).toBe('B');
    await host.close();
    await kv.close();
    folder.remove();
  });
});

describe('a component as the kv adapter', () => {
  it('is what config `kv: { adapter: "component", options: { path, sha256 } }` builds', async () => {
    const keel = (
      await createKeel(
        {
          kv: {
            adapter: 'component',
            options: { path: store.path, sha256: store.sha256, cacheDir: cache.dir, logger: {} },
          },
        },
        { adapters: [componentKvAdapter], env: false },
      )
    )._unsafeUnwrap();
    expectOk(await keel.kv.set('hello', 'world'));
    expect(expectOk(await keel.kv.get('hello'))).toBe('world');
    // And other components use it like any kv adapter.
    const host = createWasmHost(keel, { cacheDir: cache.dir, logger: {} });
    const c = expectOk(await host.load(guest.bytes, { grants: { kv: true } }));
    expect(expectOk(await c.call('fetch', 'hello'))).toBe('world');
    expect(expectOk(await c.call('put', 'from-guest', 'yes'))).toBe(0);
    expect(expectOk(await keel.kv.get('from-guest'))).toBe('yes');
    expect((await keel.health())[0]).toMatchObject({ interface: 'kv', adapter: 'component', ok: true });
    await host.close();
    await keel.close();
  });

  it('refuses to open with the wrong hash, or a component that does not export kv', async () => {
    const wrong = createComponentKv({ path: store.path, sha256: 'ab'.repeat(32), cacheDir: cache.dir, logger: {} });
    expect(expectErr(await wrong.open(), 'UNAVAILABLE').message).toContain('HASH_MISMATCH');
    const pure = fixture('pure');
    const notKv = createComponentKv({ path: pure.path, sha256: pure.sha256, cacheDir: cache.dir, logger: {} });
    expect(expectErr(await notKv.open(), 'UNAVAILABLE').message).toContain('NOT_APP_WORLD');
  });

  it('records its calls in the execution log it is given (any sink with write(record))', async () => {
    const log = createMemoryExecutionLog();
    const kv = createComponentKv({
      path: store.path,
      sha256: store.sha256,
      cacheDir: cache.dir,
      logger: {},
      executionLog: log,
    });
    expectOk(await kv.open());
    expectOk(await kv.set('a', '1'));
    expect(log.records().some((r) => r.export.includes('set'))).toBe(true);
    await kv.close();
  });

  it('runs on fuel when given a budget: a call past it fails, and the store says it lost its state', async () => {
    const kv = createComponentKv({
      path: store.path,
      sha256: store.sha256,
      cacheDir: cache.dir,
      logger: {},
      mode: 'in-thread',
      limits: { maxFuel: 1_000_000 },
    });
    expectOk(await kv.open());
    expectOk(await kv.set('a', '1')); // well within the budget
    const starved = createComponentKv({
      path: store.path,
      sha256: store.sha256,
      cacheDir: cache.dir,
      logger: {},
      mode: 'in-thread',
      limits: { maxFuel: 5 },
    });
    expectOk(await starved.open());
    const first = await starved.set('a', '1');
    expect(first.isErr() && first.error.message).toContain('FUEL_EXHAUSTED');
    expectErr(await starved.get('a'), 'UNAVAILABLE');
    expect(() => createComponentKv({ path: store.path, sha256: store.sha256, limits: { maxFuel: 0 } })).toThrow(
      /limits\.maxFuel/,
    );
    await kv.close();
    await starved.close();
  });

  it('refuses bad options naming the field', () => {
    expect(() => createComponentKv({ sha256: store.sha256 } as never)).toThrow(/path/);
    expect(() => createComponentKv({ path: store.path } as never)).toThrow(/sha256/);
    expect(() => createComponentKv({ path: store.path, sha256: store.sha256, mode: 'fast' } as never)).toThrow(/mode/);
    // Every problem at once, each with its path.
    expect(() => createComponentKv({ bytes: 'x', mode: 'fast', limits: { timeoutMs: 0 } } as never)).toThrow(
      'createComponentKv: bytes: expected bytes (a Uint8Array), got "x"; sha256: is required (string); mode: expected one of \'isolated\', \'in-thread\', got "fast"; limits.timeoutMs: expected an integer from 1 to 2147483647, got 0',
    );
  });

  it.each(['in-thread', 'isolated'] as const)(
    'once its instance is lost, it says so instead of serving an empty store (%s)',
    async (mode) => {
      const kv = createComponentKv({
        path: store.path,
        sha256: store.sha256,
        mode,
        cacheDir: cache.dir,
        logger: {},
        limits: { maxMemoryBytes: 1024 * 1024 },
      });
      expectOk(await kv.set('kept', 'value'));
      // A value bigger than the component's memory cap: its allocator fails and it traps.
      expectErr(await kv.set('big', new Uint8Array(2 * 1024 * 1024)), 'UNAVAILABLE');
      expect(expectErr(await kv.get('kept'), 'UNAVAILABLE').message).toContain('recreate the adapter');
      expect((await kv.health()).ok).toBe(false);
      await kv.close();
    },
  );
});
