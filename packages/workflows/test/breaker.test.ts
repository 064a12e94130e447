import { createComponentRegistry } from '@keel/component-registry';
import { createObservability } from '@keel/core';
import { ManualClock, expectOk } from '@keel/testing';
import { createMemoryExecutionLog, createWasmHost } from '@keel/wasm-host';
import { afterAll, describe, expect, it } from 'vitest';
import { versioned } from '../../component-registry/test/support/versioned.js';
import { createWorkflows, type WorkflowDefinition } from '../src/index.js';
import { eventually, freshTable, openDatabase, testDatabases } from './support/databases.js';

const dbs = await testDatabases('breaker');
afterAll(() => dbs.cleanup());

/** One step calling `burner.slow(rounds)`: past the version's fuel it fails with FUEL_EXHAUSTED, a failure of the component. */
const hot: WorkflowDefinition = {
  steps: { heat: { component: 'burner', export: 'slow', args: ['${input.rounds}'], retry: { maxAttempts: 1 } } },
};

describe.each(dbs.databases)('a circuit per component on $name', ({ target }) => {
  it('opens after failures in a row, holds its steps uncounted and uncalled, and lets one trial close it after the cool-down', async () => {
    const sql = openDatabase(target);
    const log = createMemoryExecutionLog();
    const host = createWasmHost({}, { cacheDir: false, executionLog: log });
    const registry = createComponentRegistry(sql, host, { refreshMs: 0 });
    const clock = new ManualClock();
    const table = freshTable();
    const observability = createObservability({ prometheus: true });
    // A short cool-down: the refused job comes back that soon (real time), and is refused again until the clock moves.
    const workflows = createWorkflows({
      sql,
      registry,
      table,
      pollIntervalMs: 20,
      clock,
      observability,
      circuitBreaker: { failureThreshold: 2, resetAfterMs: 100 },
    });
    try {
      expectOk(await registry.migrate());
      expectOk(await workflows.migrate());
      expectOk(await registry.upload({ name: 'burner', version: '1', bytes: await versioned(1), actor: 'ada' }));
      expectOk(await registry.setLimits('burner', '1', { maxFuel: 200_000 }, { actor: 'ada' }));
      expectOk(await registry.activate('burner', '1', { actor: 'ada' }));
      expectOk(await workflows.register('hot', hot));
      expectOk(workflows.work({ concurrency: 1 }));
      const calls = () => log.records().filter((r) => r.component.startsWith('burner@')).length;

      // A guest that answers (here: fine) keeps it closed; two failures in a row open it.
      const fine = expectOk(await workflows.wait(expectOk(await workflows.start('hot', { rounds: 10 }))));
      expect(fine.state).toBe('completed');
      for (let i = 0; i < 2; i++) {
        const burnt = expectOk(await workflows.wait(expectOk(await workflows.start('hot', { rounds: 100_000_000 }))));
        expect(burnt.error?.message).toContain('FUEL_EXHAUSTED');
      }
      expect(workflows.circuits()).toEqual({ burner: 'open' });
      expect(await observability.metricsText()).toContain(
        `keel_workflows_circuit{table="${table}",component="burner"} 2`,
      );
      expect(calls()).toBe(3);

      // A run that would pass: its step is refused (CIRCUIT_OPEN, the job's error) without calling the component or counting an attempt.
      const held = expectOk(await workflows.start('hot', { rounds: 10 }));
      await eventually(async () => {
        const r = expectOk(await sql.query(`SELECT error FROM ${table}_jobs WHERE error LIKE '%CIRCUIT_OPEN%'`));
        return r.rows.length > 0;
      });
      const [waiting] = expectOk(await workflows.history(held));
      expect([waiting?.state, waiting?.attempts]).toEqual(['queued', 0]);
      expect(expectOk(await workflows.status(held)).state).toBe('running');
      expect(calls()).toBe(3);

      // The cool-down over: one trial call goes, passes, and closes the circuit; the run completes.
      clock.advance(100);
      const done = expectOk(await workflows.wait(held));
      expect(done.state).toBe('completed');
      const [heat] = expectOk(await workflows.history(held));
      expect(heat?.attempts).toBe(1);
      expect(calls()).toBe(4);
      expect(workflows.circuits()).toEqual({ burner: 'closed' });
      expect(await observability.metricsText()).toContain(
        `keel_workflows_circuit{table="${table}",component="burner"} 0`,
      );
    } finally {
      await workflows.close();
      await registry.close();
      await host.close();
      await sql.close();
    }
  });

  it('never opens with circuitBreaker: false', async () => {
    const sql = openDatabase(target);
    const host = createWasmHost({}, { cacheDir: false });
    const registry = createComponentRegistry(sql, host, { refreshMs: 0 });
    const workflows = createWorkflows({
      sql,
      registry,
      table: freshTable(),
      pollIntervalMs: 20,
      circuitBreaker: false,
    });
    try {
      expectOk(await registry.migrate());
      expectOk(await workflows.migrate());
      expectOk(await registry.upload({ name: 'burner', version: '2', bytes: await versioned(2), actor: 'ada' }));
      expectOk(await registry.setLimits('burner', '2', { maxFuel: 200_000 }, { actor: 'ada' }));
      expectOk(await registry.activate('burner', '2', { actor: 'ada' }));
      expectOk(await workflows.register('hot', hot));
      expectOk(workflows.work({ concurrency: 1 }));
      for (let i = 0; i < 3; i++)
        expect(
          expectOk(await workflows.wait(expectOk(await workflows.start('hot', { rounds: 100_000_000 })))).state,
        ).toBe('failed');
      expect(expectOk(await workflows.wait(expectOk(await workflows.start('hot', { rounds: 10 })))).state).toBe(
        'completed',
      );
      expect(workflows.circuits()).toEqual({});
    } finally {
      await workflows.close();
      await registry.close();
      await host.close();
      await sql.close();
    }
  });
});
if (dbs.skipped) describe.skip(`breaker on PostgreSQL — skipped: ${dbs.skipped}`, () => it('runs', () => undefined));
