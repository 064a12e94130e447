import { err } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunStatus } from '../src/index.js';
import { testDatabases } from './support/databases.js';
import { workflowsFixture } from './support/workflows-fixture.js';

const dbs = await testDatabases('list');
afterAll(() => dbs.cleanup());

describe.each(dbs.databases)('listing runs on $name', ({ target }) => {
  const fx = workflowsFixture(target);

  it('lists runs newest first, by workflow and state, in pages that miss none and repeat none', async () => {
    const wf = await fx.workflows();
    expectOk(await wf.register('ok', { steps: { only: { run: () => ({ done: true }) } } }));
    expectOk(
      await wf.register('bad', {
        steps: { only: { retry: { maxAttempts: 1 }, run: () => err({ code: 'NOPE', message: 'refused' }) } },
      }),
    );
    const started: string[] = [];
    for (let i = 0; i < 7; i++) started.push(expectOk(await wf.start(i % 3 === 2 ? 'bad' : 'ok', { i })));
    const ended = await Promise.all(started.map(async (id) => expectOk(await wf.wait(id))));

    const all = expectOk(await wf.list());
    expect(all.next).toBeUndefined();
    // Newest first: by creation time, then by id within one millisecond.
    const newestFirst = [...ended].sort((a, b) => b.createdAt - a.createdAt || (b.id < a.id ? -1 : 1));
    expect(all.runs.map((r) => r.id)).toEqual(newestFirst.map((r) => r.id));
    expect(all.runs[0]).toMatchObject({ workflow: expect.any(String), input: expect.anything() });

    const bad = expectOk(await wf.list({ workflow: 'bad' }));
    expect(bad.runs.map((r) => r.input)).toEqual([{ i: 5 }, { i: 2 }]);
    expect(bad.runs.every((r) => r.state === 'failed')).toBe(true);
    expect(expectOk(await wf.list({ state: 'failed' })).runs.map((r) => r.id)).toEqual(bad.runs.map((r) => r.id));
    expect(expectOk(await wf.list({ workflow: 'ok', state: 'failed' })).runs).toEqual([]);

    const paged: RunStatus[] = [];
    let cursor: string | undefined;
    do {
      const page = expectOk(await wf.list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) }));
      expect(page.runs.length).toBeLessThanOrEqual(2);
      paged.push(...page.runs);
      cursor = page.next;
    } while (cursor !== undefined);
    expect(paged.map((r) => r.id)).toEqual(all.runs.map((r) => r.id));
  });

  it('refuses a bad limit, state or cursor with INVALID_ARGUMENT', async () => {
    const wf = await fx.workflows();
    for (const limit of [0, 501, 2.5, Number.NaN]) expectErr(await wf.list({ limit }), 'INVALID_ARGUMENT');
    expectErr(await wf.list({ state: 'sleeping' as never }), 'INVALID_ARGUMENT');
    const forged = Buffer.from(JSON.stringify(['1; DROP TABLE x', 'a'])).toString('base64url');
    for (const cursor of ['not-a-cursor', forged, 'x'.repeat(300)])
      expectErr(await wf.list({ cursor }), 'INVALID_ARGUMENT');
    expect(expectOk(await wf.list()).runs).toEqual([]);
  });
});
