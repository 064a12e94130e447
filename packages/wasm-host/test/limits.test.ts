import { createMemoryKv } from '@keel/adapter-kv-memory';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryExecutionLog, createWasmHost } from '../src/index.js';
import { fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
afterAll(() => cache.remove());

describe('an infinite loop', () => {
  it('is stopped at its timeout in isolated mode; the host, other components and the component itself keep serving', async () => {
    const log = createMemoryExecutionLog();
    const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, executionLog: log });
    const spin = expectOk(await host.load(fixture('spin').bytes, { id: 'spin', limits: { timeoutMs: 150 } }));
    const pure = expectOk(await host.load(fixture('pure').bytes, { id: 'pure' }));
    const started = performance.now();
    const [stuck, meanwhile] = await Promise.all([spin.call('spin'), pure.call('add', 1, 2)]);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(expectErr(stuck, 'TIMEOUT').message).toContain('150 ms');
    expect(expectOk(meanwhile)).toBe(3);
    // The next call runs on a fresh worker and instance.
    expect(expectOk(await spin.call('ping'))).toBe(42);
    expectErr(await spin.call('spin'), 'TIMEOUT');
    expect(expectOk(await spin.call('ping'))).toBe(42);
    const record = log.records().find((r) => r.export === 'spin');
    expect(record).toMatchObject({
      component: 'spin',
      outcome: 'error',
      error: { code: 'TIMEOUT' },
      memoryPages: undefined,
      mode: 'isolated',
    });
    await host.close();
  });

  it('is stopped at its next host call in in-thread mode', async () => {
    const kv = createMemoryKv();
    const host = createWasmHost({ kv }, { cacheDir: cache.dir, logger: {}, mode: 'in-thread' });
    const c = expectOk(
      await host.load(fixture('kv-guest').bytes, {
        grants: { kv: true },
        limits: { timeoutMs: 100, maxHostCalls: 1e12 },
      }),
    );
    const e = expectErr(c.callSync('hammer', 'k', 0xffffffff), 'TIMEOUT');
    expect(e.message).toContain('100 ms');
    expect(expectOk(c.callSync('hammer', 'k', 3))).toBe(3);
    await host.close();
  });
});

describe('memory', () => {
  it.each(['in-thread', 'isolated'] as const)(
    'a guest growing past its cap fails cleanly and is fresh next call (%s)',
    async (mode) => {
      const log = createMemoryExecutionLog();
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode, executionLog: log });
      const hog = expectOk(await host.load(fixture('hog').bytes, { limits: { maxMemoryBytes: 4 * 1024 * 1024 } }));
      expect(expectOk(await hog.call('grow', 10))).toBe(1);
      expect(expectOk(await hog.call('grow', 100))).toBe(-1);
      expect(expectOk(await hog.call('pages'))).toBe(11);
      const e = expectErr(await hog.call('hog'), 'MEMORY_LIMIT');
      expect(e.message).toContain('memory');
      expect(log.records().at(-1)?.memoryPages).toBe(64);
      expect(expectOk(await hog.call('pages'))).toBe(1);
      await host.close();
    },
  );

  // hydra instantiates one core module eight times, each instance with a memory of its own. With a
  // cap per memory it held 8 × 64 pages (32 MiB) under a 4 MiB cap: the cap is on the sum.
  it.each(['in-thread', 'isolated'] as const)(
    "the cap holds for all of a component's memories together (%s)",
    async (mode) => {
      const log = createMemoryExecutionLog();
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode, executionLog: log });
      const hydra = expectOk(await host.load(fixture('hydra').bytes, { limits: { maxMemoryBytes: 4 * 1024 * 1024 } }));
      expect(expectOk(await hydra.call('pages'))).toBe(8);
      // Every instance grows until refused: together they reach the cap, not eight times it.
      expect(expectOk(await hydra.call('fill'))).toBe(64);
      expect(log.records().at(-1)?.memoryPages).toBe(64);
      const e = expectErr(await hydra.call('hog'), 'MEMORY_LIMIT');
      expect(e.message).toContain('memory cap refused');
      expect(log.records().at(-1)?.memoryPages).toBe(64);
      expect(expectOk(await hydra.call('pages'))).toBe(8);
      await host.close();
    },
  );

  // A real allocator grows 16+ pages at a time and gives up below the cap: the refused grow
  // decides MEMORY_LIMIT, not how close memory came; a trap with memory full but nothing refused is a TRAP.
  it.each(['in-thread', 'isolated'] as const)(
    'MEMORY_LIMIT comes from the refused grow, whatever the step (%s)',
    async (mode) => {
      const log = createMemoryExecutionLog();
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode, executionLog: log });
      const c = expectOk(await host.load(fixture('hog-steps').bytes, { limits: { maxMemoryBytes: 4 * 1024 * 1024 } }));
      // 1 + 16 × 3 = 49 pages, then 65 > 64 is refused: 15 pages below the cap.
      expect(expectErr(await c.call('hog', 16), 'MEMORY_LIMIT').message).toContain('memory cap refused');
      expect(log.records().at(-1)?.memoryPages).toBe(49);
      // 1 + 32 = 33, then refused: 31 below.
      expectErr(await c.call('hog', 32), 'MEMORY_LIMIT');
      expect(log.records().at(-1)?.memoryPages).toBe(33);
      // A refusal the guest handles is no failure, and the next call starts with none on record:
      // trapping with memory exactly at the cap, nothing refused, is a TRAP.
      expect(expectOk(await c.call('until-refused', 16))).toBe(49);
      expect(expectErr(await c.call('grow-then-trap', 15), 'TRAP').message).toContain('unreachable');
      expect(log.records().at(-1)?.memoryPages).toBe(64);
      await host.close();
    },
  );

  it.each(['in-thread', 'isolated'] as const)(
    'refuses at load a component whose memories start above the cap together (%s)',
    async (mode) => {
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode });
      // Each of hydra's eight memories starts with one page: each fits a cap of 4, together they do not.
      const e = expectErr(
        await host.load(fixture('hydra').bytes, { limits: { maxMemoryBytes: 4 * 65536 } }),
        'MEMORY_LIMIT',
      );
      expect(e.message).toContain('cap of 4 pages');
      expectOk(await host.load(fixture('hydra').bytes, { limits: { maxMemoryBytes: 8 * 65536 } }));
      await host.close();
    },
  );

  it.each(['in-thread', 'isolated'] as const)(
    'refuses at load a module that starts above the cap (%s)',
    async (mode) => {
      // Refused while the module is rewritten, which runs while the runtime starts: the load says why.
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode });
      // kv-guest starts with 3 pages of memory.
      expectErr(await host.load(fixture('kv-guest').bytes, { limits: { maxMemoryBytes: 2 * 65536 } }), 'MEMORY_LIMIT');
      await host.close();
    },
  );
});

describe('host calls', () => {
  it.each(['in-thread', 'isolated'] as const)('past the cap, the call ends with HOST_CALL_LIMIT (%s)', async (mode) => {
    const kv = createMemoryKv();
    const log = createMemoryExecutionLog();
    const host = createWasmHost({ kv }, { cacheDir: cache.dir, logger: {}, mode, executionLog: log });
    const c = expectOk(
      await host.load(fixture('kv-guest').bytes, { grants: { kv: true }, limits: { maxHostCalls: 25 } }),
    );
    expect(expectOk(await c.call('hammer', 'k', 25))).toBe(25);
    expectErr(await c.call('hammer', 'k', 26), 'HOST_CALL_LIMIT');
    expect(log.records().map((r) => r.hostCalls.kv)).toEqual([25, 26]);
    expect(expectOk(await c.call('hammer', 'k', 2))).toBe(2);
    await host.close();
  });
});

describe("WASI's own calls", () => {
  it.each(['in-thread', 'isolated'] as const)('are logged but not counted against maxHostCalls (%s)', async (mode) => {
    const log = createMemoryExecutionLog();
    const host = createWasmHost({ kv: createMemoryKv() }, { cacheDir: cache.dir, logger: {}, mode, executionLog: log });
    const c = expectOk(
      await host.load(fixture('clock-kv').bytes, { grants: { kv: true }, limits: { maxHostCalls: 3 } }),
    );
    expect(expectOk(await c.call('timed', 'k', 3))).toBe(3);
    expect(log.records().at(-1)?.hostCalls).toEqual({
      kv: 3,
      'wasi:clocks/monotonic-clock': 4,
      'wasi:clocks/wall-clock': 2,
      'wasi:random/random': 1,
    });
    expectErr(await c.call('timed', 'k', 4), 'HOST_CALL_LIMIT');
    await host.close();
  });
});

describe('traps', () => {
  it.each(['in-thread', 'isolated'] as const)(
    'a trap is an Err and the next call gets a fresh instance (%s)',
    async (mode) => {
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode });
      const c = expectOk(await host.load(fixture('trap').bytes, {}));
      expect(expectOk(await c.call('count'))).toBe(1);
      expect(expectOk(await c.call('count'))).toBe(2);
      expect(expectErr(await c.call('explode'), 'TRAP').message).toContain('unreachable');
      expect(expectOk(await c.call('count'))).toBe(1);
      expect(expectErr(await c.call('divide', 1, 0), 'TRAP').message).toMatch(/divi/);
      expect(expectOk(await c.call('divide', 6, 3))).toBe(2);
      expect(expectErr(await c.call('recurse', 0), 'TRAP').message).toMatch(/stack/i);
      expect(expectOk(await c.call('count'))).toBe(1);
      // A guest error keeps the instance: it is an ordinary return.
      const pure = expectOk(await host.load(fixture('pure').bytes, {}));
      expect(expectOk(await pure.call('count'))).toBe(1);
      expectErr(await pure.call('checked-div', 1, 0), 'GUEST_ERROR');
      expect(expectOk(await pure.call('count'))).toBe(2);
      await host.close();
    },
  );
});
