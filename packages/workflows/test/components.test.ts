import { createComponentRegistry } from '@keel/component-registry';
import { expectErr, expectOk } from '@keel/testing';
import { createWasmHost } from '@keel/wasm-host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkflows, type WorkflowDefinition, type WorkflowsError } from '../src/index.js';
import { versioned } from '../../component-registry/test/support/versioned.js';
import { openDatabase, testDatabases } from './support/databases.js';
import { pipelineComponent, pipelineComponents } from './support/wat-components.js';

const dbs = await testDatabases('components');
afterAll(() => dbs.cleanup());

/** validate → route → enrich (and notify, in parallel, for priority 2), every step a component's export. */
const pipeline: WorkflowDefinition = {
  steps: {
    validate: {
      kind: 'validate',
      component: 'task-validate',
      export: 'validate',
      args: ['${input.priority}'],
      output: 'json',
      next: 'route',
    },
    route: {
      kind: 'route',
      component: 'task-route',
      export: 'route',
      args: ['${input.priority}'],
      output: 'json',
      routes: ['enrich', 'notify'],
    },
    enrich: {
      kind: 'transform',
      component: 'task-actions',
      export: 'enrich',
      args: ['${input.priority}'],
      output: 'json',
    },
    notify: { component: 'task-actions', export: 'notify', args: ['${input.priority}'], output: 'json' },
  },
};

describe.each(dbs.databases)('a pipeline of WAT components on $name', ({ target }) => {
  const sql = openDatabase(target);
  const host = createWasmHost({}, { cacheDir: false });
  const registry = createComponentRegistry(sql, host, { refreshMs: 0 });
  const workflows = createWorkflows({ sql, registry, pollIntervalMs: 20 });
  beforeAll(async () => {
    expectOk(await registry.migrate());
    expectOk(await workflows.migrate());
    for (const name of pipelineComponents) {
      expectOk(await registry.upload({ name, version: '1.0.0', bytes: await pipelineComponent(name), actor: 'ada' }));
      expectOk(await registry.activate(name, '1.0.0', { actor: 'ada' }));
    }
    expectOk(await workflows.register('triage', pipeline));
    expectOk(workflows.work({ concurrency: 4 }));
  });
  afterAll(async () => {
    await workflows.close();
    await registry.close();
    await host.close();
    await sql.close();
  });

  it('validates, routes and enriches a task', async () => {
    const run = expectOk(
      await workflows.wait(expectOk(await workflows.start('triage', { title: 'Fix login', priority: 1 }))),
    );
    expect(run).toMatchObject({ state: 'completed', context: { title: 'Fix login', priority: 1, label: 'normal' } });
    const steps = expectOk(await workflows.history(run.id));
    expect(steps.map((s) => [s.step, s.state, s.input, s.output])).toEqual([
      ['validate', 'completed', [1], []],
      ['route', 'completed', [1], { next: 'enrich' }],
      ['enrich', 'completed', [1], { label: 'normal' }],
    ]);
  });

  it('runs enrich and notify in parallel for a high priority', async () => {
    const run = expectOk(await workflows.wait(expectOk(await workflows.start('triage', { priority: 2 }))));
    expect(run).toMatchObject({ state: 'completed', context: { priority: 2, label: 'high', sla: { hours: 4 } } });
    const steps = expectOk(await workflows.history(run.id));
    expect(steps.map((s) => s.step).sort()).toEqual(['enrich', 'notify', 'route', 'validate']);
    expect(steps.find((s) => s.step === 'notify')?.output).toEqual({ notified: 'on-call' });
  });

  it("fails the run with the component's validation errors, or its route to nowhere", async () => {
    const invalid = expectOk(await workflows.wait(expectOk(await workflows.start('triage', { priority: 9 }))));
    expect(invalid).toMatchObject({
      state: 'failed',
      error: {
        code: 'VALIDATION',
        step: 'validate',
        errors: [{ path: 'priority', message: 'priority must be 0 to 3' }],
      },
    });
    const lost = expectOk(await workflows.wait(expectOk(await workflows.start('triage', { priority: 3 }))));
    expect(lost).toMatchObject({ state: 'failed', error: { code: 'ROUTE_UNKNOWN', step: 'route' } });
    expect(lost.error?.message).toMatch(/'escalate'/);
  });

  it('gives each attempt of a component step its fuel, and records what it used and its host calls', async () => {
    expectOk(await registry.upload({ name: 'burner', version: '1', bytes: await versioned(1), actor: 'ada' }));
    expectOk(await registry.setLimits('burner', '1', { maxFuel: 50_000_000 }, { actor: 'ada' }));
    expectOk(await registry.activate('burner', '1', { actor: 'ada' }));
    const burn: WorkflowDefinition = {
      steps: {
        warm: { component: 'burner', export: 'slow', args: [1000], fuel: 1_000_000, next: 'heat' },
        heat: {
          component: 'burner',
          export: 'slow',
          args: ['${input.rounds}'],
          fuel: 20_000,
          retry: { maxAttempts: 1 },
        },
      },
    };
    expectOk(await workflows.register('burn', burn));
    const done = expectOk(await workflows.wait(expectOk(await workflows.start('burn', { rounds: 100 }))));
    expect(done.state).toBe('completed');
    const [warm, heat] = expectOk(await workflows.history(done.id));
    expect([warm?.step, heat?.step]).toEqual(['warm', 'heat']);
    // The loop's fuel grows with its rounds; nothing called the host.
    expect(warm?.fuelUsed).toBeGreaterThan(heat?.fuelUsed ?? Number.POSITIVE_INFINITY);
    expect(heat?.fuelUsed).toBeGreaterThan(0);
    expect([warm?.hostCalls, heat?.hostCalls]).toEqual([{}, {}]);
    // Past its own budget (far below the version's 50 million), the attempt stops: FUEL_EXHAUSTED, all of it used.
    const spent = expectOk(await workflows.wait(expectOk(await workflows.start('burn', { rounds: 1_000_000 }))));
    expect(spent).toMatchObject({ state: 'failed', error: { code: 'STEP_FAILED', step: 'heat' } });
    expect(spent.error?.message).toContain('FUEL_EXHAUSTED');
    const failed = expectOk(await workflows.history(spent.id)).find((s) => s.step === 'heat');
    expect(failed?.fuelUsed).toBe(20_000);
    // A version without maxFuel counts no fuel: its steps record their host calls only.
    const plain = expectOk(await workflows.wait(expectOk(await workflows.start('triage', { priority: 1 }))));
    const [validate] = expectOk(await workflows.history(plain.id));
    expect([validate?.fuelUsed, validate?.hostCalls]).toEqual([undefined, {}]);
    // A fuel that is not a positive integer is refused at register, naming the step.
    const bad = { steps: { a: { component: 'burner', export: 'slow', args: [1], fuel: 0 } } };
    expect((expectErr(await workflows.register('bad', bad), 'INVALID_DEFINITION') as WorkflowsError).step).toBe('a');
  });

  it('refuses a definition naming a component or an export the registry does not serve', async () => {
    const missing = { steps: { a: { component: 'task-nope', export: 'validate' } } };
    const error = expectErr(await workflows.register('bad', missing), 'UNKNOWN_COMPONENT') as WorkflowsError;
    expect([error.step, error.message]).toEqual(['a', expect.stringMatching(/no component 'task-nope'/)]);
    const noExport = { steps: { a: { component: 'task-route', export: 'teleport' } } };
    expect(expectErr(await workflows.register('bad', noExport), 'UNKNOWN_COMPONENT').message).toMatch(
      /no export 'teleport' \(it has route\)/,
    );
  });
});
if (dbs.skipped) describe.skip(`components on PostgreSQL — skipped: ${dbs.skipped}`, () => it('runs', () => undefined));
