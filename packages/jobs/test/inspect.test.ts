import { ManualClock, expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { defineJob } from '../src/index.js';
import { eventually, testDatabases } from './support/databases.js';
import { jobsFixture } from './support/jobs-fixture.js';

const dbs = await testDatabases('inspect');
afterAll(() => dbs.cleanup());

const definitions = {
  a: defineJob<{ n: number }>(),
  b: defineJob<{ n: number }>({ queue: 'other' }),
};

for (const db of dbs.databases) {
  describe(`listing, order and retention (${db.name})`, () => {
    const f = jobsFixture(db.target);

    it('lists newest first, filtered by queue, name and state, a page at a time', async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const jobs = await f.jobs({ jobs: definitions, clock });
      const made: string[] = [];
      for (let n = 0; n < 7; n++) {
        made.push(expectOk(await jobs.enqueue(n % 2 ? 'b' : 'a', { n })).id);
        clock.advance(1);
      }
      expectOk(await jobs.cancel(made[0] as string));
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = expectOk(await jobs.list({ limit: 3, ...(cursor ? { cursor } : {}) }));
        pages.push(page.jobs.map((j) => j.id));
        cursor = page.next;
      } while (cursor);
      expect(pages.flat()).toEqual([...made].reverse());
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      const other = expectOk(await jobs.list({ queue: 'other' })).jobs;
      expect(other.map((j) => j.payload)).toEqual([{ n: 5 }, { n: 3 }, { n: 1 }]);
      expect(expectOk(await jobs.list({ name: 'a', state: ['cancelled'] })).jobs.map((j) => j.id)).toEqual([made[0]]);
      expect(expectOk(await jobs.counts())).toEqual({ default: { waiting: 3, cancelled: 1 }, other: { waiting: 3 } });
      expectErr(await jobs.list({ state: 'lost' as never }), 'INVALID_ARGUMENT');
      expectErr(await jobs.list({ cursor: 'nonsense' }), 'INVALID_ARGUMENT');
      expectErr(await jobs.list({ limit: 0 }), 'INVALID_ARGUMENT');
    });

    it('runs higher priority first, not before runAt, and only its queue when a worker names one', async () => {
      const jobs = await f.jobs({ jobs: definitions });
      expectOk(await jobs.enqueue('a', { n: 1 }, { priority: 1 }));
      expectOk(await jobs.enqueue('a', { n: 2 }, { priority: 10 }));
      expectOk(await jobs.enqueue('a', { n: 3 }, { runAt: new Date(Date.now() + 3_600_000), priority: 100 }));
      expectOk(await jobs.enqueue('a', { n: 4 }, { queue: 'elsewhere', priority: 1000 }));
      const order: number[] = [];
      expectOk(jobs.work('a', ({ payload }) => void order.push(payload.n), { queue: 'default' }));
      await eventually(() => order.length === 2);
      await jobs.close();
      expect(order).toEqual([2, 1]);
    });

    it('purges finished jobs past their retention, and keeps dead ones longer', async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const jobs = await f.jobs({ jobs: definitions, clock, keepCompletedMs: 1000, keepDeadMs: 5000 });
      const done = expectOk(await jobs.enqueue('a', { n: 1 })).id;
      const gone = expectOk(await jobs.enqueue('a', { n: 2 })).id;
      const waiting = expectOk(await jobs.enqueue('a', { n: 3 }, { delayMs: 10 })).id;
      expectOk(await jobs.cancel(gone));
      expectOk(jobs.work('a', () => 'done'));
      await eventually(async () => expectOk(await jobs.status(done)).state === 'completed');
      await jobs.close();
      clock.advance(1001);
      expect(expectOk(await jobs.purge())).toBe(2);
      expectErr(await jobs.status(done), 'NOT_FOUND');
      expectErr(await jobs.status(gone), 'NOT_FOUND');
      expect(expectOk(await jobs.status(waiting)).state).toBe('waiting');
    });
  });
}
if (dbs.skipped) describe.skip(`listing (PostgreSQL) — skipped: ${dbs.skipped}`, () => it('runs', () => undefined));
