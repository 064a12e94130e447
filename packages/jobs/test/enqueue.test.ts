import { err, runInContext } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import * as v from 'valibot';
import { afterAll, describe, expect, it } from 'vitest';
import { defineJob } from '../src/index.js';
import { testDatabases } from './support/databases.js';
import { jobsFixture } from './support/jobs-fixture.js';

const dbs = await testDatabases('enqueue');
afterAll(() => dbs.cleanup());

const definitions = {
  'mail.send': defineJob({ schema: v.object({ to: v.pipe(v.string(), v.email()), subject: v.string() }) }),
  'report.build': defineJob<{ month: string }>({ queue: 'reports', priority: 5, maxAttempts: 2 }),
};

for (const db of dbs.databases) {
  describe(`enqueue (${db.name})`, () => {
    const f = jobsFixture(db.target);

    it('stores the job with its settings and the context it was enqueued in', async () => {
      const jobs = await f.jobs({ jobs: definitions });
      const queued = expectOk(
        await runInContext({ tenantId: 't1', actor: 'u1' }, () =>
          jobs.enqueue('report.build', { month: '2026-11' }, { delayMs: 60_000, timeoutMs: 5000 }),
        ),
      );
      expect(queued.deduplicated).toBe(false);
      const job = expectOk(await jobs.status(queued.id));
      expect(job).toMatchObject({
        id: queued.id,
        name: 'report.build',
        queue: 'reports',
        state: 'waiting',
        payload: { month: '2026-11' },
        priority: 5,
        attempts: 0,
        maxAttempts: 2,
        context: { tenantId: 't1', actor: 'u1', correlationId: queued.id },
      });
      expect(job.runAt - job.createdAt).toBe(60_000);
    });

    it('inside a transaction: a job exists if and only if the transaction commits', async () => {
      const jobs = await f.jobs({ jobs: definitions });
      const sql = f.sql;
      const rolledBack = await sql.transaction(async (tx) => {
        const queued = await jobs.enqueue(tx, 'report.build', { month: '2026-10' });
        if (queued.isErr()) return err(queued.error);
        return err(new Error(`payment declined after ${queued.value.id}`));
      });
      expect(rolledBack.isErr()).toBe(true);
      const committed = expectOk(
        await sql.transaction(async (tx) => jobs.enqueue('report.build', { month: '2026-12' }, { tx })),
      );
      const page = expectOk(await jobs.list());
      expect(page.jobs.map((j) => j.id)).toEqual([committed.id]);
    });

    it('refuses a plain Sql where a transaction is required', async () => {
      const jobs = await f.jobs({ jobs: definitions });
      const sql = f.sql;
      // biome-ignore lint/suspicious/noExplicitAny: a caller without types passes the wrong thing.
      expectErr(await jobs.enqueue(sql as any, 'report.build', { month: '2026-12' }), 'NOT_IN_TRANSACTION');
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      expectErr(await jobs.enqueue('report.build', { month: '2026-12' }, { tx: sql as any }), 'NOT_IN_TRANSACTION');
    });

    it('keeps one live job per dedupe key, and frees the key when the job finishes', async () => {
      const jobs = await f.jobs({ jobs: definitions });
      const first = expectOk(await jobs.enqueue('report.build', { month: '2026-11' }, { dedupeKey: 'nov' }));
      const again = expectOk(await jobs.enqueue('report.build', { month: '2026-11' }, { dedupeKey: 'nov' }));
      expect(again).toEqual({ id: first.id, deduplicated: true });
      const inTx = expectOk(
        await f.sql.transaction(async (tx) =>
          jobs.enqueue(tx, 'report.build', { month: '2026-11' }, { dedupeKey: 'nov' }),
        ),
      );
      expect(inTx.id).toBe(first.id);
      expect(expectOk(await jobs.cancel(first.id))).toBe(true);
      const after = expectOk(await jobs.enqueue('report.build', { month: '2026-11' }, { dedupeKey: 'nov' }));
      expect(after.deduplicated).toBe(false);
      expect(after.id).not.toBe(first.id);
      // The cancelled one cannot come back while the new one holds the key.
      expectErr(await jobs.requeue(first.id), 'CONFLICT');
    });

    it('validates the payload with the Standard Schema and names the field', async () => {
      const jobs = await f.jobs({ jobs: definitions });
      const bad = expectErr(await jobs.enqueue('mail.send', { to: 'not an address', subject: 'Hi' }), 'VALIDATION');
      expect(bad.message).toContain('to:');
      expectErr(await jobs.enqueue('report.build', { month: 10n } as never), 'VALIDATION');
      expectOk(await jobs.enqueue('mail.send', { to: 'ada@example.com', subject: 'Hi' }));
    });

    it('refuses unknown jobs and bad options with typed errors', async () => {
      const jobs = await f.jobs({ jobs: definitions });
      const unknown = expectErr(
        await jobs.enqueue('nope' as 'mail.send', { to: 'a@b.co', subject: '' }),
        'UNKNOWN_JOB',
      );
      expect(unknown.message).toContain('mail.send');
      const negative = expectErr(
        await jobs.enqueue('report.build', { month: 'x' }, { delayMs: -5 }),
        'INVALID_ARGUMENT',
      );
      expect(negative.message).toContain('delayMs');
      expectErr(
        await jobs.enqueue('report.build', { month: 'x' }, { runAt: Date.now(), delayMs: 5 }),
        'INVALID_ARGUMENT',
      );
      expectErr(await jobs.enqueue('report.build', { month: 'x' }, { maxAttempts: 0 }), 'INVALID_ARGUMENT');
      expectErr(await jobs.enqueue('report.build', { month: 'x' }, { queue: 'has space' }), 'INVALID_ARGUMENT');
      expectErr(
        await jobs.enqueue('report.build', { month: 'x' }, { backoff: { type: 'fixed' } as never }),
        'INVALID_ARGUMENT',
      );
      const nothing = expectOk(await jobs.list());
      expect(nothing.jobs).toEqual([]);
    });

    it("enqueues many at once: all or none, in the caller's transaction or its own", async () => {
      const jobs = await f.jobs({ jobs: definitions });
      const months = Array.from({ length: 1200 }, (_, i) => ({ month: `m${i}` }));
      const queued = expectOk(await jobs.enqueueMany('report.build', months, { priority: 2 }));
      expect(queued).toHaveLength(1200);
      expect(new Set(queued.map((q) => q.id)).size).toBe(1200);
      expect(expectOk(await jobs.counts())).toEqual({ reports: { waiting: 1200 } });
      const last = expectOk(await jobs.status(queued[1199]?.id as string));
      expect(last).toMatchObject({ payload: { month: 'm1199' }, priority: 2, state: 'waiting' });

      await f.sql.transaction(async (tx) => {
        expectOk(await jobs.enqueueMany(tx, 'report.build', months.slice(0, 600)));
        return err('rolled back');
      });
      const mails = [
        { to: 'a@example.com', subject: '1' },
        { to: 'nope', subject: '2' },
      ];
      expectErr(await jobs.enqueueMany('mail.send', mails), 'VALIDATION');
      expectErr(await jobs.enqueueMany('report.build', months, { dedupeKey: 'x' } as never), 'INVALID_ARGUMENT');
      expect(expectOk(await jobs.counts())).toEqual({ reports: { waiting: 1200 } });
      expect(expectOk(await jobs.enqueueMany('report.build', []))).toEqual([]);
    });

    it('a transaction body that ends in Err after enqueueing leaves nothing, even with a dedupe key', async () => {
      const jobs = await f.jobs({ jobs: definitions });
      await f.sql.transaction(async (tx) => {
        expectOk(await jobs.enqueue(tx, 'report.build', { month: '2026-09' }, { dedupeKey: 'sep' }));
        return err('rolled back');
      });
      const fresh = expectOk(await jobs.enqueue('report.build', { month: '2026-09' }, { dedupeKey: 'sep' }));
      expect(fresh.deduplicated).toBe(false);
    });
  });
}
if (dbs.skipped) describe.skip(`enqueue (PostgreSQL) — skipped: ${dbs.skipped}`, () => it('runs', () => undefined));
