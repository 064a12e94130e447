import { createObservability } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from './support/databases.js';
import { workflowsFixture } from './support/workflows-fixture.js';

const dbs = await testDatabases('metrics');
afterAll(() => dbs.cleanup());

describe.each(dbs.databases)('metrics on $name', ({ target }) => {
  const fx = workflowsFixture(target);

  it('reads runs by workflow and state, and step retries, from the tables at each scrape', async () => {
    const observability = createObservability({ prometheus: true });
    const wf = await fx.workflows({ observability });
    const attempts = new Map<string, number>();
    const retry = { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 5 } } as const;
    expectOk(
      await wf.register('ship', {
        steps: {
          // Fails its first two attempts in each run, then passes: two retries per run.
          pack: {
            run: ({ key }) => {
              const n = (attempts.get(key) ?? 0) + 1;
              attempts.set(key, n);
              return n === 3 ? 'packed' : Promise.reject(new Error('jammed'));
            },
            retry,
            next: 'send',
          },
          send: {
            run: ({ input }) => ((input as { fail?: boolean }).fail ? Promise.reject(new Error('lost')) : 'sent'),
            retry: { maxAttempts: 1 },
          },
        },
      }),
    );
    const ok = [expectOk(await wf.start('ship', {})), expectOk(await wf.start('ship', {}))];
    for (const id of ok) expect(expectOk(await wf.wait(id)).error).toBeUndefined();
    const bad = expectOk(await wf.start('ship', { fail: true }));
    expect(expectOk(await wf.wait(bad)).state).toBe('failed');

    const text = await observability.metricsText();
    const table = /keel_workflows_runs\{table="([^"]+)"/.exec(text)?.[1];
    expect(text).toContain(`keel_workflows_runs{table="${table}",workflow="ship",state="completed"} 2`);
    expect(text).toContain(`keel_workflows_runs{table="${table}",workflow="ship",state="failed"} 1`);
    // Three runs' pack steps retried twice each; send, allowed one attempt, never retries.
    expect(text).toContain(`keel_workflows_step_retries{table="${table}",workflow="ship",step="pack"} 6`);
    expect(text).not.toContain('step="send"');
  });
});
