import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryExecutionLog, createWasmHost } from '../src/index.js';
import { fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
afterAll(() => cache.remove());
// Timeouts far beyond what the fuel lasts: whatever stops these calls, it is not the clock.
const limits = { maxFuel: 2_000_000, timeoutMs: 60_000 };

describe('fuel', () => {
  it.each(['in-thread', 'isolated'] as const)(
    'stops a loop that never calls the host, and the next call gets a fresh instance (%s)',
    async (mode) => {
      const log = createMemoryExecutionLog();
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode, executionLog: log, limits });
      const spin = expectOk(await host.load(fixture('spin').bytes));
      expect(expectErr(await spin.call('spin'), 'FUEL_EXHAUSTED').message).toContain('maxFuel');
      expect(log.records().at(-1)).toMatchObject({ error: { code: 'FUEL_EXHAUSTED' }, fuelUsed: 2_000_000, mode });
      expect(expectOk(await spin.call('ping'))).toBe(42);
      await host.close();
    },
  );

  it.each(['in-thread', 'isolated'] as const)(
    'stops start-up code that never ends: the load is FUEL_EXHAUSTED and the host goes on (%s)',
    async (mode) => {
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode, limits });
      // The core module's start function loops about four billion rounds before `ping` can run.
      const failed = expectErr(await host.load(fixture('slow-start').bytes), 'FUEL_EXHAUSTED');
      expect(failed.message).toContain('failed to start');
      // So does each instance a pool would make ahead of calls.
      expectErr(await host.load(fixture('slow-start').bytes, { pool: { min: 2, max: 2 } }), 'FUEL_EXHAUSTED');
      const spin = expectOk(await host.load(fixture('spin').bytes));
      expect(expectOk(await spin.call('ping'))).toBe(42);
      await host.close();
    },
  );

  it.each(['in-thread', 'isolated'] as const)(
    "takes a call's own budget below the load's limit, never above it (%s)",
    async (mode) => {
      const log = createMemoryExecutionLog();
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode, executionLog: log, limits });
      const burn = expectOk(await host.load(fixture('burn').bytes));
      expectOk(await burn.call('work', 1000));
      const used = log.records().at(-1)?.fuelUsed as number;
      // Half of what the work needs: stopped, having used exactly that budget.
      const half = Math.floor(used / 2);
      expectErr(await burn.callWith({ maxFuel: half }, 'work', 1000), 'FUEL_EXHAUSTED');
      expect(log.records().at(-1)?.fuelUsed).toBe(half);
      // Enough: the same fuel as without a budget; the next plain call has the whole limit again.
      expectOk(await burn.callWith({ maxFuel: used }, 'work', 1000));
      expect(log.records().at(-1)?.fuelUsed).toBe(used);
      const spin = expectOk(await host.load(fixture('spin').bytes));
      // More than the load's limit is capped by it.
      expectErr(await spin.callWith({ maxFuel: 10 * limits.maxFuel }, 'spin'), 'FUEL_EXHAUSTED');
      expect(log.records().at(-1)?.fuelUsed).toBe(limits.maxFuel);
      // A component loaded without fuel counts none: a budget is refused, and nothing runs.
      const unmetered = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode, executionLog: log });
      const plain = expectOk(await unmetered.load(fixture('burn').bytes));
      const before = log.records().length;
      expectErr(await plain.callWith({ maxFuel: 1000 }, 'work', 1), 'INVALID_ARGUMENT');
      expect(log.records()).toHaveLength(before);
      expect(() => burn.callWith({ maxFuel: 0 }, 'work', 1)).toThrow(TypeError);
      await unmetered.close();
      await host.close();
    },
  );

  it('reports what a call used: the same in both modes, in proportion to the work', async () => {
    const log = createMemoryExecutionLog();
    const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, executionLog: log, limits });
    const inThread = expectOk(await host.load(fixture('burn').bytes, { mode: 'in-thread' }));
    const isolated = expectOk(await host.load(fixture('burn').bytes, { mode: 'isolated' }));
    const state = expectOk(await inThread.call('work', 1000));
    expect(expectOk(await isolated.call('work', 1000))).toBe(state);
    expectOk(await inThread.call('work', 2000));
    const [one, same, two] = log.records().map((r) => r.fuelUsed as number) as [number, number, number];
    expect(same).toBe(one);
    // fuel = fixed + rounds × per round: every round runs the same instructions.
    const perRound = (two - one) / 1000;
    expect(Number.isInteger(perRound) && perRound > 1).toBe(true);
    expect(one - 1000 * perRound).toBeGreaterThan(0);
    expect(one - 1000 * perRound).toBeLessThan(50);
    // Without maxFuel, no fuel points and nothing reported.
    const plain = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode: 'in-thread', executionLog: log });
    expect(expectOk(await expectOk(await plain.load(fixture('burn').bytes)).call('work', 1000))).toBe(state);
    expect(log.records().at(-1)?.fuelUsed).toBeUndefined();
    await Promise.all([host.close(), plain.close()]);
  });

  it('stops a loop at the bottom of a deep recursion, behind a br_table, or a tail call through a table', async () => {
    const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode: 'in-thread', limits });
    const burn = expectOk(await host.load(fixture('burn').bytes));
    expectErr(await burn.call('deep-spin', 2000), 'FUEL_EXHAUSTED');
    expectErr(await burn.call('table-spin'), 'FUEL_EXHAUSTED');
    expectErr(await burn.call('bounce', 0), 'FUEL_EXHAUSTED');
    expect(expectOk(await burn.call('work', 10))).toBeTypeOf('number');
    await host.close();
  });

  it('is a positive integer or false: 0 or less is a TypeError naming the field', async () => {
    for (const maxFuel of [0, -1, 1.5]) {
      expect(() => createWasmHost({}, { cacheDir: false, limits: { maxFuel } })).toThrow(/maxFuel/);
      expect(() => createWasmHost({}, { cacheDir: false, limits: { maxFuel } })).toThrow(TypeError);
    }
    const host = createWasmHost({}, { cacheDir: false, logger: {} });
    expect(() => host.load(fixture('spin').bytes, { limits: { maxFuel: 0 } })).toThrow(TypeError);
    await host.close();
  });
});
