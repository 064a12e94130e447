import { ResultAsync, type Sql, createJsonLogger } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createJobs, defineJob } from '../src/index.js';
import { eventually, freshTable, openDatabase, testDatabases } from './support/databases.js';
import { jobsFixture } from './support/jobs-fixture.js';
import { testTracing } from '@keel/testing/tracing';

const dbs = await testDatabases('wake');
const tracing = testTracing();
afterAll(async () => {
  await tracing.shutdown();
  await dbs.cleanup();
});

const noWait = { type: 'fixed', delayMs: 0 } as const;
const definitions = {
  ping: defineJob<{ n: number }>(),
  flaky: defineJob<{ n: number }>({ maxAttempts: 2, backoff: noWait }),
};

for (const db of dbs.databases) {
  describe(`wake-ups and traces (${db.name})`, () => {
    const f = jobsFixture(db.target);

    it('wakes an idle worker in another process through sql.notifications (its poll is a minute away)', async (ctx) => {
      if (!f.sql.capabilities.notifications) ctx.skip(`${db.name} has no notifications capability`);
      const table = freshTable();
      const enqueuer = await f.jobs({ jobs: definitions, table });
      // Another connection pool on the same database: what another process has.
      const otherSql = openDatabase(db.target);
      const far = createJobs({ sql: otherSql, jobs: definitions, table, pollIntervalMs: 60_000 });
      try {
        const done: number[] = [];
        expectOk(far.work('ping', async ({ payload }) => void done.push(payload.n)));
        // Outside a transaction, inside one (heard at its commit), and several at once.
        expectOk(await enqueuer.enqueue('ping', { n: 1 }));
        await eventually(() => done.length === 1);
        expectOk(await f.sql.transaction((tx) => enqueuer.enqueue(tx, 'ping', { n: 2 })));
        await eventually(() => done.length === 2);
        expectOk(await enqueuer.enqueueMany('ping', [{ n: 3 }, { n: 4 }]));
        await eventually(() => done.length === 4);
        expect(done.sort()).toEqual([1, 2, 3, 4]);
      } finally {
        await far.close(100);
        await otherSql.close();
      }
    });

    it('runs at once a job announced before the other process was listening', async (ctx) => {
      if (!f.sql.capabilities.notifications) ctx.skip(`${db.name} has no notifications capability`);
      const table = freshTable();
      const enqueuer = await f.jobs({ jobs: definitions, table });
      const otherSql = openDatabase(db.target);
      const notifications = otherSql.notifications as NonNullable<Sql['notifications']>;
      // Its LISTEN takes hold 300 ms late, after the enqueue below has announced its job.
      let listening = false;
      const slow: Sql = {
        ...otherSql,
        notifications: {
          ...notifications,
          listen: (channel, onPayload) =>
            ResultAsync.fromSafePromise(new Promise<void>((resolve) => setTimeout(resolve, 300))).andThen(() =>
              notifications.listen(channel, onPayload).map((listener) => {
                listening = true;
                return listener;
              }),
            ),
        },
      };
      const far = createJobs({ sql: slow, jobs: definitions, table, pollIntervalMs: 60_000 });
      try {
        const done: number[] = [];
        expectOk(far.work('ping', async ({ payload }) => void done.push(payload.n)));
        // Its first poll has found nothing by now; the next is a minute away.
        await new Promise((resolve) => setTimeout(resolve, 100));
        expectOk(await enqueuer.enqueue('ping', { n: 1 }));
        expect(listening).toBe(false);
        await eventually(() => done.length === 1);
      } finally {
        await far.close(100);
        await otherSql.close();
      }
    });

    it('traces enqueue → each attempt in one trace, and logs the failed attempt', async () => {
      const lines: Record<string, unknown>[] = [];
      const logger = createJsonLogger({ destination: { write: (line) => lines.push(JSON.parse(line)) } });
      const jobs = await f.jobs({ jobs: definitions, observability: tracing.observability, logger });
      expectOk(
        jobs.work('flaky', async ({ attempt }) => {
          if (attempt === 1) throw new Error('not yet');
        }),
      );
      const request = tracing.observability.span('request');
      if (request === undefined) throw new Error('the test SDK records no spans');
      const queued = expectOk(await request.within(() => jobs.enqueue('flaky', { n: 1 })));
      request.end();
      await eventually(async () => expectOk(await jobs.status(queued.id)).state === 'completed');
      const spans = tracing.finished().filter((s) => s.spanContext().traceId === request.traceId);
      const enqueue = spans.find((s) => s.name === 'jobs enqueue');
      expect(enqueue?.parentSpanContext?.spanId).toBe(request.spanId);
      const runs = spans
        .filter((s) => s.name === 'jobs run')
        .sort((a, b) => Number(a.attributes['keel.attempt']) - Number(b.attributes['keel.attempt']));
      expect(runs.map((r) => r.parentSpanContext?.spanId)).toEqual([
        enqueue?.spanContext().spanId,
        enqueue?.spanContext().spanId,
      ]);
      expect(runs.map((r) => [r.attributes['keel.attempt'], r.attributes['keel.job.outcome']])).toEqual([
        [1, 'retry'],
        [2, 'completed'],
      ]);
      expect(runs[0]?.attributes['keel.job.name']).toBe('flaky');
      expect(lines.find((l) => l.msg === 'jobs: attempt failed; retrying')).toMatchObject({
        level: 40,
        name: 'flaky',
        job: queued.id,
        attempt: 1,
        error: 'not yet',
      });
    });
  });
}
