import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases, versioned } from '../../component-registry/test/support/versioned.js';
import { type ConsoleFixture, consoleFixture } from './support/console-fixture.js';

const dbs = await testDatabases('console-runs');
afterAll(() => dbs.cleanup());

describe.each(dbs.targets)('workflow runs and execution records through the API on $name', ({ open }) => {
  let f: ConsoleFixture;
  beforeAll(async () => {
    f = await consoleFixture(open());
    for (const [name, n] of [
      ['counter', 1],
      ['slowpoke', 2],
    ] as const) {
      const put = await f.call('PUT', `/console/api/modules/${name}/versions/1`, {
        token: f.admin,
        body: await versioned(n),
        headers: { 'content-type': 'application/wasm' },
      });
      expect(put.status).toBe(201);
      expect(
        (await f.call('POST', `/console/api/modules/${name}/activate`, { token: f.admin, json: { version: '1' } }))
          .status,
      ).toBe(200);
    }
  });
  afterAll(() => f.close());

  it('registers a workflow of component steps, starts a run, reads its steps; refuses bad definitions naming the step', async () => {
    const definition = {
      steps: {
        first: { component: 'counter', export: 'version', next: 'second' },
        second: { component: 'counter', export: 'slow', args: [3] },
      },
    };
    const registered = await f.call('PUT', '/console/api/workflows/count', { token: f.admin, json: definition });
    expect(registered.status, registered.body.toString()).toBe(200);
    const started = await f.call('POST', '/console/api/workflows/count/runs', {
      token: f.admin,
      json: { input: { a: 1 } },
    });
    expect(started.status, started.body.toString()).toBe(201);
    const id = started.json.id as string;
    expect((await f.workflows.wait(id))._unsafeUnwrap().state).toBe('completed');
    const run = await f.call('GET', `/console/api/runs/${id}`, { token: f.viewer });
    expect(run.json).toMatchObject({ id, workflow: 'count', state: 'completed', error: null });
    // Each step's component call: its host calls (none here) and fuel (none counted: the host has no maxFuel).
    expect(run.json.steps.map((s: { hostCalls: unknown; fuelUsed: unknown }) => [s.hostCalls, s.fuelUsed])).toEqual([
      [{}, null],
      [{}, null],
    ]);
    expect(run.json.steps.map((s: { step: string; output: unknown }) => [s.step, s.output])).toEqual([
      ['first', 1],
      ['second', 1],
    ]);
    // The calls the run's steps made, found by the run's id in the execution log; a direct call names no run.
    await f.executionLog.flush();
    expect((await f.registry.component('counter').call('version'))._unsafeUnwrap()).toBe(1);
    await f.executionLog.flush();
    const calls = await f.call('GET', `/console/api/executions?run=${id}`, { token: f.viewer });
    expect(calls.status, calls.body.toString()).toBe(200);
    expect(calls.json.items.map((e: { export: string; workflow: unknown }) => [e.export, e.workflow])).toEqual([
      ['slow', { run: id, step: 'second' }],
      ['version', { run: id, step: 'first' }],
    ]);
    const latest = await f.call('GET', '/console/api/executions?module=counter&limit=1', { token: f.viewer });
    expect(latest.json.items[0].workflow).toBeNull();
    const other = await f.call('GET', '/console/api/executions?run=00000000-0000-0000-0000-000000000000', {
      token: f.viewer,
    });
    expect(other.json.items).toEqual([]);

    const nowhere = await f.call('PUT', '/console/api/workflows/bad', {
      token: f.admin,
      json: { steps: { a: { component: 'counter', export: 'version', next: 'nowhere' } } },
    });
    expect([nowhere.status, nowhere.json.error.code, nowhere.json.error.step]).toEqual([
      400,
      'INVALID_DEFINITION',
      'a',
    ]);
    const ghost = await f.call('PUT', '/console/api/workflows/bad', {
      token: f.admin,
      json: { steps: { a: { component: 'ghost', export: 'version' } } },
    });
    expect([ghost.status, ghost.json.error.code]).toEqual([400, 'UNKNOWN_COMPONENT']);
    const fn = await f.call('PUT', '/console/api/workflows/bad', {
      token: f.admin,
      json: { steps: { a: { run: 'x' } } },
    });
    expect([fn.status, fn.json.error.code, fn.json.error.step]).toEqual([400, 'BAD_REQUEST', 'a']);
    const unknown = await f.call('POST', '/console/api/workflows/bad/runs', { token: f.admin, json: {} });
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'UNKNOWN_WORKFLOW']);
    const noRun = await f.call('GET', '/console/api/runs/00000000-0000-0000-0000-000000000000', { token: f.viewer });
    expect([noRun.status, noRun.json.error.code]).toEqual([404, 'NOT_FOUND']);
    const badId = await f.call('GET', '/console/api/runs/..%2Fx', { token: f.viewer });
    expect(badId.status).toBe(400);
    const cancelEnded = await f.call('POST', `/console/api/runs/${id}/cancel`, { token: f.admin });
    expect(cancelEnded.json).toEqual({ cancelled: false });
  });

  it('lists runs newest first by workflow and state, in pages; refuses bad filters', async () => {
    const definition = { steps: { only: { component: 'counter', export: 'version' } } };
    expect((await f.call('PUT', '/console/api/workflows/listed', { token: f.admin, json: definition })).status).toBe(
      200,
    );
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const started = await f.call('POST', '/console/api/workflows/listed/runs', { token: f.admin, json: {} });
      ids.push(started.json.id as string);
    }
    for (const id of ids) await f.workflows.wait(id);
    const first = await f.call('GET', '/console/api/runs?workflow=listed&state=completed&limit=2', {
      token: f.viewer,
    });
    expect(first.status, first.body.toString()).toBe(200);
    expect(first.json.items).toHaveLength(2);
    expect(first.json.items[0]).toMatchObject({ workflow: 'listed', state: 'completed', error: null });
    expect(first.json.items[0]).not.toHaveProperty('input');
    const rest = await f.call('GET', `/console/api/runs?workflow=listed&limit=2&cursor=${first.json.cursor}`, {
      token: f.viewer,
    });
    expect(rest.json.cursor).toBeNull();
    const listed = [...first.json.items, ...rest.json.items].map((r: { id: string }) => r.id);
    expect([...listed].sort()).toEqual([...ids].sort());
    for (const query of ['state=sleeping', 'limit=0', 'limit=x', 'cursor=forged'])
      expect((await f.call('GET', `/console/api/runs?${query}`, { token: f.viewer })).status, query).toBe(400);
    expect((await f.call('GET', '/console/api/runs')).status).toBe(401);
  });

  it('filters execution records by module, version, outcome, id and time, and pages them', async () => {
    const started = Date.now();
    const limits = await f.call('PUT', '/console/api/modules/slowpoke/versions/1/limits', {
      token: f.admin,
      json: { timeoutMs: 50 },
    });
    expect(limits.status, limits.body.toString()).toBe(200);
    const live = f.registry.component('slowpoke');
    expect((await live.call('version'))._unsafeUnwrap()).toBe(2);
    expect((await live.call('slow', 4_000_000_000))._unsafeUnwrapErr().code).toBe('TIMEOUT');
    await f.executionLog.flush();

    const all = await f.call('GET', '/console/api/executions?module=slowpoke', { token: f.viewer });
    expect(all.status, all.body.toString()).toBe(200);
    expect(all.json.items.map((e: { export: string; outcome: string }) => [e.export, e.outcome])).toEqual([
      ['slow', 'error'],
      ['version', 'ok'],
    ]);
    expect(all.json.items[0]).toMatchObject({ component: 'slowpoke@1', error: { code: 'TIMEOUT' } });
    const errors = await f.call('GET', '/console/api/executions?module=slowpoke&version=1&outcome=error', {
      token: f.viewer,
    });
    expect(errors.json.items).toHaveLength(1);
    const byId = await f.call(`GET`, `/console/api/executions?id=${all.json.items[1].id}`, { token: f.viewer });
    expect(byId.json.items.map((e: { export: string }) => e.export)).toEqual(['version']);
    const before = await f.call(
      'GET',
      `/console/api/executions?module=slowpoke&to=${new Date(started).toISOString()}`,
      {
        token: f.viewer,
      },
    );
    expect(before.json.items).toEqual([]);
    const counter = await f.call('GET', '/console/api/executions?module=counter&limit=1', { token: f.viewer });
    expect(counter.json.items).toHaveLength(1);
    const next = await f.call('GET', `/console/api/executions?module=counter&limit=1&cursor=${counter.json.cursor}`, {
      token: f.viewer,
    });
    expect(next.json.items[0].id).toBeLessThan(counter.json.items[0].id);
    for (const q of [
      'run=..%2Fx',
      'run=',
      'outcome=maybe',
      'from=yesterday',
      'version=1',
      'module=..%2Fx',
      'limit=501',
    ])
      expect((await f.call('GET', `/console/api/executions?${q}`, { token: f.viewer })).status).toBe(400);
  });
});
