import { createSqliteSql } from '@keel/adapter-sqlite';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkflows, type WorkflowDefinition, type WorkflowsError } from '../src/index.js';
import { resolve } from '../src/templates.js';
import { mergeInto } from '../src/merge.js';

const sql = createSqliteSql({ filename: ':memory:' });
const workflows = createWorkflows({ sql });
expectOk(await workflows.migrate());
afterAll(async () => {
  await workflows.close();
  await sql.close();
});

const run = () => null;
const invalid = async (definition: unknown, step: string | undefined, message: RegExp) => {
  const error = expectErr(
    await workflows.register('w', definition as WorkflowDefinition),
    'INVALID_DEFINITION',
  ) as WorkflowsError;
  expect(error.step).toBe(step);
  expect(error.message).toMatch(message);
};

describe('definitions are checked when registered', () => {
  it('accepts a definition with routes, a join and a bounded cycle', async () => {
    expectOk(
      await workflows.register('ok', {
        steps: {
          a: { run, next: 'pick' },
          pick: { kind: 'route', routes: ['b', 'c', 'pick'], run, maxVisits: 3 },
          b: { run, next: 'join', config: { id: '${steps.a.output.id}' } },
          c: { run, next: 'join' },
          join: { run, join: true, config: ['${steps.pick.output}', '${input.x}', '${run.id}'] },
        },
      }),
    );
  });

  it('names the step of an unknown reference', async () => {
    await invalid({ steps: { a: { run, next: 'nope' } } }, 'a', /unknown step 'nope'/);
    await invalid({ steps: { a: { kind: 'route', routes: ['a', 'x'], run, maxVisits: 2 } } }, 'a', /unknown step 'x'/);
    await invalid({ start: 'z', steps: { a: { run } } }, undefined, /start step 'z'/);
  });

  it('names an unreachable step', async () => {
    await invalid({ steps: { a: { run }, island: { run } } }, 'island', /unreachable/);
  });

  it('refuses a cycle without a bound, and accepts it with one', async () => {
    const loop = (bound?: number) => ({
      steps: {
        a: { run, next: 'b' },
        b: { run, next: 'c', ...(bound ? { maxVisits: bound } : {}) },
        c: { kind: 'route', routes: ['b', 'd'], run },
        d: { run },
      },
    });
    await invalid(loop(), 'b', /cycle without a bound/);
    expectOk(await workflows.register('loop', loop(5) as WorkflowDefinition));
    await invalid({ steps: { a: { run, next: 'a' } } }, 'a', /cycle without a bound/);
  });

  it("names a step whose input can't be resolved", async () => {
    const base = { a: { run, next: 'b' }, b: { run } };
    await invalid(
      { steps: { ...base, b: { run, config: '${steps.zz.output}' } } },
      'b',
      /can't be resolved.*names no step/,
    );
    await invalid(
      { steps: { ...base, a: { run, next: 'b', config: '${steps.b.output}' } } },
      'a',
      /never runs before 'a'/,
    );
    await invalid({ steps: { ...base, b: { run, config: { x: '${steps.a.id}' } } } }, 'b', /names no output/);
    await invalid({ steps: { ...base, b: { run, config: '${secrets.key}' } } }, 'b', /starts with 'secrets'/);
    await invalid({ steps: { ...base, b: { run, config: '${steps.a.output[0]}' } } }, 'b', /not a dotted path/);
  });

  it('refuses malformed steps, naming them', async () => {
    await invalid({ steps: {} }, undefined, /no steps/);
    await invalid({ steps: { a: { run, component: 'x', export: 'y' } } }, 'a', /either `run`/);
    await invalid({ steps: { a: { kind: 'route', run } } }, 'a', /route step lists/);
    await invalid({ steps: { a: { run, routes: ['a'] } } }, 'a', /`routes` is for route steps/);
    await invalid({ steps: { a: { run, kind: 'nope' } } }, 'a', /kind 'nope'/);
    await invalid({ steps: { a: { run, retry: { maxAttempts: 0 } } } }, 'a', /maxAttempts/);
    await invalid({ steps: { a: { run, timeoutMs: -1 } } }, 'a', /timeoutMs/);
    await invalid({ steps: { a: { run, config: { at: new Date() } } } }, 'a', /`config` must be JSON/);
    await invalid({ steps: { 'a:b': { run } } }, 'a:b', /step id/);
  });

  it('refuses a component step without a registry to serve it', async () => {
    const error = expectErr(
      await workflows.register('c', { steps: { a: { component: 'triage', export: 'route' } } }),
      'UNKNOWN_COMPONENT',
    ) as WorkflowsError;
    expect(error.step).toBe('a');
  });

  it('starts only registered workflows, with JSON input', async () => {
    expectErr(await workflows.start('nope', {}), 'UNKNOWN_WORKFLOW');
    expectErr(await workflows.start('ok', { at: new Date() } as never), 'INVALID_ARGUMENT');
    expectErr(await workflows.status('no-such-run'), 'NOT_FOUND');
  });
});

describe('config resolution and context merging', () => {
  const scope = {
    input: { n: 1 },
    context: { user: { name: 'ada' } },
    steps: { fetch: { output: { items: [{ id: 'i1' }] } } },
    run: { id: 'r1', workflow: 'w' },
  };
  it('puts values whole, or as text inside text', () => {
    expect(expectOk(resolve({ id: '${steps.fetch.output.items.0.id}', all: '${steps.fetch.output}' }, scope))).toEqual({
      id: 'i1',
      all: { items: [{ id: 'i1' }] },
    });
    expect(expectOk(resolve(['hi ${context.user.name} #${input.n}', 2, null], scope))).toEqual(['hi ada #1', 2, null]);
    expect(resolve('${steps.fetch.output.items.5}', scope)._unsafeUnwrapErr()).toMatch(/found nothing/);
  });
  it('merges objects at any depth, keeping what the output did not set', () => {
    expect(
      mergeInto({ a: 1, user: { name: 'ada', role: 'x' }, list: [1] }, { user: { role: 'admin' }, list: [2] }),
    ).toEqual({
      a: 1,
      user: { name: 'ada', role: 'admin' },
      list: [2],
    });
  });
});
