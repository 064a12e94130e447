import { err } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkflows, type Json, type StepCall } from '../src/index.js';
import { freshTable, sleep, testDatabases } from './support/databases.js';
import { workflowsFixture } from './support/workflows-fixture.js';

const dbs = await testDatabases('runs');
afterAll(() => dbs.cleanup());

const field = (value: Json, key: string) => (value as Record<string, Json>)[key];
const untilAborted = (signal: AbortSignal) =>
  new Promise((resolve) => signal.addEventListener('abort', () => resolve(null), { once: true }));

describe.each(dbs.databases)('runs on $name', ({ target }) => {
  const fx = workflowsFixture(target);

  it('flows a JSON context through the steps: config resolved, transforms merged', async () => {
    const wf = await fx.workflows();
    expectOk(
      await wf.register('onboard', {
        steps: {
          fetch: { run: () => ({ id: 't-1', items: [{ sku: 'a' }] }), next: 'enrich' },
          enrich: {
            kind: 'transform',
            config: { id: '${steps.fetch.output.id}', sku: '${steps.fetch.output.items.0.sku}' },
            run: ({ config }) => ({ user: { role: 'admin' }, ticket: config }),
            next: 'report',
          },
          report: {
            config: '${context.user.name} is ${context.user.role} on ${run.workflow}',
            run: ({ config }) => config,
          },
        },
      }),
    );
    const runId = expectOk(await wf.start('onboard', { user: { name: 'ada' }, keep: true }));
    const run = expectOk(await wf.wait(runId));
    expect(run).toMatchObject({ state: 'completed', error: undefined, input: { user: { name: 'ada' }, keep: true } });
    expect(run.context).toEqual({ user: { name: 'ada', role: 'admin' }, keep: true, ticket: { id: 't-1', sku: 'a' } });
    const steps = expectOk(await wf.history(runId));
    expect(steps.map((s) => [s.step, s.state, s.visit, s.attempts, s.via])).toEqual([
      ['fetch', 'completed', 1, 1, undefined],
      ['enrich', 'completed', 1, 1, 'fetch'],
      ['report', 'completed', 1, 1, 'enrich'],
    ]);
    expect(steps[1]?.input).toEqual({ id: 't-1', sku: 'a' });
    expect(steps[2]?.output).toBe('ada is admin on onboard');
    expect(steps[0]?.key).toBe(`${runId}:fetch:1`);
    for (const s of steps) expect(s.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("starts a run inside the caller's transaction: none when it rolls back", async () => {
    const wf = await fx.workflows();
    expectOk(await wf.register('tx', { steps: { a: { run: () => 'ran' } } }));
    let rolledBack = '';
    await fx.sql.transaction(async (tx) => {
      rolledBack = expectOk(await wf.start('tx', {}, { tx }));
      return err('roll back');
    });
    expectErr(await wf.status(rolledBack), 'NOT_FOUND');
    const id = expectOk(await fx.sql.transaction(async (tx) => wf.start('tx', {}, { tx })));
    expect(expectOk(await wf.wait(id)).state).toBe('completed');
  });

  it('fails the run with the errors a validating step returned, and runs nothing after it', async () => {
    const wf = await fx.workflows();
    expectOk(
      await wf.register('intake', {
        steps: {
          check: {
            kind: 'validate',
            run: ({ input }) =>
              field(input, 'title') ? [] : { errors: [{ path: 'title', message: 'is required' }, 'too vague'] },
            next: 'save',
          },
          save: { run: () => 'saved' },
        },
      }),
    );
    const bad = expectOk(await wf.wait(expectOk(await wf.start('intake', { priority: 1 }))));
    expect(bad.state).toBe('failed');
    expect(bad.error).toMatchObject({
      code: 'VALIDATION',
      step: 'check',
      errors: [{ path: 'title', message: 'is required' }, { message: 'too vague' }],
    });
    expect(expectOk(await wf.history(bad.id)).map((s) => [s.step, s.state])).toEqual([['check', 'failed']]);
    const good = expectOk(await wf.wait(expectOk(await wf.start('intake', { title: 'Fix login' }))));
    expect(good.state).toBe('completed');
  });

  it('routes to one step, to several in parallel joined once, or to none', async () => {
    const wf = await fx.workflows();
    expectOk(
      await wf.register('fan', {
        steps: {
          pick: { kind: 'route', routes: ['fast', 'slow'], run: ({ input }) => ({ next: field(input, 'to') ?? null }) },
          fast: { kind: 'transform', run: () => ({ fast: true }), next: 'join' },
          slow: { kind: 'transform', run: async () => (await sleep(80), { slow: true }), next: 'join' },
          join: { join: true, config: '${context}', run: ({ config }) => config },
        },
      }),
    );
    const both = expectOk(await wf.wait(expectOk(await wf.start('fan', { to: ['fast', 'slow'] }))));
    expect(both.state).toBe('completed');
    const steps = expectOk(await wf.history(both.id));
    expect(steps.map((s) => s.step).sort()).toEqual(['fast', 'join', 'pick', 'slow']);
    const join = steps.find((s) => s.step === 'join');
    const slow = steps.find((s) => s.step === 'slow');
    expect(join?.output).toEqual({ to: ['fast', 'slow'], fast: true, slow: true });
    expect(join?.startedAt).toBeGreaterThanOrEqual(slow?.finishedAt ?? Number.POSITIVE_INFINITY);

    const one = expectOk(await wf.wait(expectOk(await wf.start('fan', { to: 'fast' }))));
    expect(expectOk(await wf.history(one.id)).map((s) => s.step)).toEqual(['pick', 'fast', 'join']);
    const none = expectOk(await wf.wait(expectOk(await wf.start('fan', {}))));
    expect(none.state).toBe('completed');
    expect(expectOk(await wf.history(none.id)).map((s) => s.step)).toEqual(['pick']);
  });

  it('fails the run on a route to an unknown step, or an output that is not JSON', async () => {
    const wf = await fx.workflows();
    expectOk(
      await wf.register('lost', {
        steps: {
          pick: { kind: 'route', routes: ['odd'], run: ({ input }) => (input === 'date' ? 'odd' : 'nowhere') },
          odd: { run: () => new Date() },
        },
      }),
    );
    const lost = expectOk(await wf.wait(expectOk(await wf.start('lost', 'x'))));
    expect(lost).toMatchObject({ state: 'failed', error: { code: 'ROUTE_UNKNOWN', step: 'pick' } });
    expect(lost.error?.message).toMatch(/routed to 'nowhere', which is not one of its routes/);
    const odd = expectOk(await wf.wait(expectOk(await wf.start('lost', 'date'))));
    expect(odd).toMatchObject({ state: 'failed', error: { code: 'INVALID_OUTPUT', step: 'odd' } });
  });

  it('retries a failing step with backoff; its last failure fails the run', async () => {
    const wf = await fx.workflows();
    const failures = new Map<string, number>();
    const flaky = ({ key }: StepCall) => {
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      return n < 3 ? err(new Error(`flaky ${n}`)) : 'finally';
    };
    const retry = { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 10 } } as const;
    expectOk(await wf.register('flaky', { steps: { a: { run: flaky, retry } } }));
    expectOk(
      await wf.register('broken', {
        steps: {
          a: {
            run: () => {
              throw new Error('always');
            },
            retry: { ...retry, maxAttempts: 2 },
          },
        },
      }),
    );
    const ok = expectOk(await wf.wait(expectOk(await wf.start('flaky'))));
    expect(ok.state).toBe('completed');
    expect(expectOk(await wf.history(ok.id))[0]).toMatchObject({
      attempts: 3,
      output: 'finally',
      error: { code: 'STEP_ERROR', message: 'flaky 2' },
    });
    const failed = expectOk(await wf.wait(expectOk(await wf.start('broken'))));
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'STEP_FAILED', step: 'a' } });
    expect(failed.error?.message).toMatch(/attempt 2\): always/);
    expect(expectOk(await wf.history(failed.id))[0]).toMatchObject({ state: 'failed', attempts: 2 });
  });

  it('times a step out, aborting its signal', async () => {
    const wf = await fx.workflows();
    let aborted = false;
    const hang = async ({ signal }: StepCall) => {
      await untilAborted(signal);
      aborted = true;
      return 'late';
    };
    expectOk(await wf.register('hang', { steps: { a: { run: hang, timeoutMs: 50, retry: { maxAttempts: 1 } } } }));
    const run = expectOk(await wf.wait(expectOk(await wf.start('hang'))));
    expect(run).toMatchObject({ state: 'failed', error: { code: 'TIMEOUT', step: 'a' } });
    expect(aborted).toBe(true);
  });

  it('fails the run once a step lost more attempts to stopped workers than crashAttempts', async () => {
    const wf = createWorkflows({ sql: fx.sql, table: freshTable(), pollIntervalMs: 20, crashAttempts: 1 });
    expectOk(await wf.migrate());
    let entered = 0;
    let arrived!: () => void;
    const hang = async ({ signal }: StepCall) => {
      entered++;
      arrived();
      await untilAborted(signal);
      return 'stopped';
    };
    expectOk(await wf.register('lossy', { steps: { a: { run: hang, retry: { maxAttempts: 5 } } } }));
    const runId = expectOk(await wf.start('lossy'));
    // Each worker stops with no grace while the step runs: the attempt is handed back, lost.
    for (let i = 0; i < 2; i++) {
      const inside = new Promise<void>((resolve) => (arrived = resolve));
      const worker = expectOk(wf.work());
      await inside;
      await worker.stop(0);
    }
    expectOk(wf.work());
    const run = expectOk(await wf.wait(runId));
    expect(run).toMatchObject({ state: 'failed', error: { code: 'STEP_FAILED', step: 'a' } });
    expect(run.error?.message).toMatch(/lost 2 attempt/);
    expect(entered).toBe(2);
    await wf.close();
  });

  it('loops through a bounded cycle, and fails the run past its bound', async () => {
    const wf = await fx.workflows();
    const loop = (maxVisits: number) =>
      ({
        steps: {
          count: {
            kind: 'transform',
            maxVisits,
            run: ({ context }: StepCall) => ({ n: Number(field(context, 'n') ?? 0) + 1 }),
            next: 'again',
          },
          again: {
            kind: 'route',
            routes: ['count', 'done'],
            run: ({ context }: StepCall) => (Number(field(context, 'n')) < 3 ? 'count' : 'done'),
          },
          done: { run: () => 'done' },
        },
      }) as const;
    expectOk(await wf.register('loop', loop(5)));
    expectOk(await wf.register('tight', loop(2)));
    const run = expectOk(await wf.wait(expectOk(await wf.start('loop', {}))));
    expect(run).toMatchObject({ state: 'completed', context: { n: 3 } });
    const steps = expectOk(await wf.history(run.id)).filter((s) => s.step === 'count');
    expect(steps.map((s) => s.visit)).toEqual([1, 2, 3]);
    const tight = expectOk(await wf.wait(expectOk(await wf.start('tight', {}))));
    expect(tight).toMatchObject({ state: 'failed', error: { code: 'LOOP_LIMIT', step: 'count' } });
  });

  it('cancels a run: its running step aborts, nothing after it runs', async () => {
    const wf = await fx.workflows();
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let ranAfter = false;
    expectOk(
      await wf.register('long', {
        steps: {
          wait: { run: async ({ signal }) => (entered(), await untilAborted(signal), 'aborted'), next: 'after' },
          after: { run: () => ((ranAfter = true), null) },
        },
      }),
    );
    const runId = expectOk(await wf.start('long'));
    await inside;
    expect(expectOk(await wf.cancel(runId))).toBe(true);
    expect(expectOk(await wf.cancel(runId))).toBe(false);
    const run = expectOk(await wf.status(runId));
    expect(run).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } });
    await sleep(100);
    expect(ranAfter).toBe(false);
    expect(expectOk(await wf.history(runId)).map((s) => [s.step, s.state])).toEqual([['wait', 'cancelled']]);
    expectErr(await wf.cancel('no-such-run'), 'NOT_FOUND');
  });
});
if (dbs.skipped) describe.skip(`runs on PostgreSQL — skipped: ${dbs.skipped}`, () => it('runs', () => undefined));
