import { KeelOptionsError } from '@keel/core/adapter';
import { ManualClock, expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createJobs, defineJob } from '../src/index.js';
import { scheduleClock, ticksToFire } from '../src/schedule-spec.js';
import { eventually, freshTable, testDatabases } from './support/databases.js';
import { jobsFixture } from './support/jobs-fixture.js';

const second = expectOk(scheduleClock('s', { everyMs: 1000 }));

describe('schedule timing', () => {
  it('fires every on-time tick, and missed ones by the policy', () => {
    // Due since 1000, found at 5500, all on time.
    expect(ticksToFire(second, 1000, 5500, 'skip', 60_000)).toEqual({
      fire: [1000, 2000, 3000, 4000, 5000],
      next: 6000,
    });
    // Down from 1000 to 10_500; ticks older than 2 s are missed.
    expect(ticksToFire(second, 1000, 10_500, 'skip', 2000).fire).toEqual([9000, 10_000]);
    expect(ticksToFire(second, 1000, 10_500, 'latest', 2000).fire).toEqual([9000, 10_000]);
    expect(ticksToFire(second, 1000, 10_500, 'all', 2000).fire).toEqual([
      1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000,
    ]);
    // Nothing on time: 'latest' catches up once, with the most recent missed tick.
    expect(ticksToFire(second, 1000, 10_500, 'latest', 100)).toEqual({ fire: [10_000], next: 11_000 });
    expect(ticksToFire(second, 1000, 10_500, 'skip', 100).fire).toEqual([]);
  });

  it('costs the same after a long downtime', () => {
    const year = 365 * 86_400_000;
    const { fire, next } = ticksToFire(second, 0, year + 500, 'all', 0);
    expect(fire).toHaveLength(100);
    expect(fire.at(-1)).toBe(year);
    expect(next).toBe(year + 1000);
  });

  it('follows a cron expression in its time zone, across a daylight-saving change', () => {
    const paris = expectOk(scheduleClock('nightly', { cron: '0 3 * * *', timeZone: 'Europe/Paris' }));
    const before = Date.parse('2026-03-28T12:00:00Z');
    // 03:00 in Paris is 02:00 UTC in winter and 01:00 UTC in summer (from 29 March 2026).
    expect(new Date(paris.next(before)).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(new Date(paris.next(Date.parse('2026-03-27T12:00:00Z'))).toISOString()).toBe('2026-03-28T02:00:00.000Z');
    expect(paris.previous(before, 1)).toEqual([Date.parse('2026-03-28T02:00:00Z')]);
  });

  it('refuses cron expressions and time zones that do not parse, and intervals out of range', () => {
    expect(expectErr(scheduleClock('a', { cron: '61 * * * *' }), 'INVALID_SCHEDULE').message).toContain("schedule 'a'");
    expect(expectErr(scheduleClock('b', { cron: 'every tuesday' }), 'INVALID_SCHEDULE').message).toContain(
      'every tuesday',
    );
    expect(
      expectErr(scheduleClock('c', { cron: '0 3 * * *', timeZone: 'Mars/Olympus' }), 'INVALID_SCHEDULE').message,
    ).toContain('Mars/Olympus');
    expectErr(scheduleClock('d', { everyMs: 0 }), 'INVALID_SCHEDULE');
    expectErr(scheduleClock('e', { everyMs: 1.5 }), 'INVALID_SCHEDULE');
    expectErr(scheduleClock('f', {} as never), 'INVALID_SCHEDULE');
  });
});

const dbs = await testDatabases('schedules');
afterAll(() => dbs.cleanup());

const definitions = { ping: defineJob<{ from: string }>() };

for (const db of dbs.databases) {
  describe(`schedules (${db.name})`, () => {
    const f = jobsFixture(db.target);

    it('fires a schedule registered from code, with its payload and tick', async () => {
      const jobs = await f.jobs({ jobs: definitions });
      const ticks: number[] = [];
      expectOk(jobs.schedule('fast', { job: 'ping', payload: { from: 'code' }, everyMs: 50 }));
      expectOk(
        jobs.work('ping', ({ payload, schedule }) => {
          expect(payload).toEqual({ from: 'code' });
          ticks.push(schedule?.tick as number);
        }),
      );
      await eventually(() => ticks.length >= 3);
      const sorted = [...ticks].sort((a, b) => a - b);
      expect(sorted.every((t) => t % 50 === 0)).toBe(true);
      expect(new Set(sorted).size).toBe(sorted.length);
    });

    it('refuses a bad schedule from code with a typed error, and from options at creation', async () => {
      const jobs = await f.jobs({ jobs: definitions });
      expectErr(jobs.schedule('bad', { job: 'ping', cron: '* * *', payload: { from: 'x' } }), 'INVALID_SCHEDULE');
      expectErr(jobs.schedule('orphan', { job: 'missing' as 'ping', everyMs: 1000 }), 'UNKNOWN_JOB');
      expectErr(jobs.schedule('has space', { job: 'ping', everyMs: 1000 }), 'INVALID_SCHEDULE');
      const creating = () =>
        createJobs({
          sql: f.sql,
          jobs: definitions,
          schedules: { nightly: { job: 'ping', payload: { from: 'config' }, cron: '0 25 * * *' } },
        });
      expect(creating).toThrow(KeelOptionsError);
      expect(creating).toThrow(/schedules\.nightly: .*does not parse/);
    });

    it("starts a schedule whose timing changed from the new timing's next tick", async () => {
      const table = freshTable();
      const yearly = await f.jobs({ jobs: definitions, table });
      expectOk(yearly.schedule('changing', { job: 'ping', payload: { from: 'a' }, cron: '0 0 1 1 *' }));
      yearly.start();
      const spec = async () => expectOk(await f.sql.query(`SELECT spec, next_at FROM ${table}_schedules`)).rows[0];
      const first = await eventually(spec);
      expect(first[0]).toBe('cron 0 0 1 1 *');
      await yearly.close();

      const fast = await f.jobs({ jobs: definitions, table });
      expectOk(fast.schedule('changing', { job: 'ping', payload: { from: 'b' }, everyMs: 50 }));
      const froms: string[] = [];
      expectOk(fast.work('ping', ({ payload }) => void froms.push(payload.from)));
      await eventually(() => froms.length >= 2);
      expect(new Set(froms)).toEqual(new Set(['b']));
      expect((await spec())?.[0]).toBe('every 50ms');
    });

    it("after a downtime fires the missed ticks by each schedule's policy", async () => {
      const table = freshTable();
      const clock = new ManualClock(1_800_000_000_000);
      const policies = ['skip', 'latest', 'all'] as const;
      const register = (jobs: Awaited<ReturnType<typeof f.jobs<typeof definitions>>>) => {
        for (const missed of policies)
          expectOk(jobs.schedule(missed, { job: 'ping', payload: { from: missed }, everyMs: 1000, missed }));
        jobs.start();
      };
      const rows = async () => expectOk(await f.sql.query(`SELECT name, next_at FROM ${table}_schedules`)).rows;
      const before = await f.jobs({ jobs: definitions, table, clock });
      register(before);
      await eventually(async () => (await rows()).length === 3);
      await before.close();

      // Ten ticks pass with no process up; found 500 ms after the last, later than lateTickMs.
      clock.advance(10_500);
      const after = await f.jobs({ jobs: definitions, table, clock, lateTickMs: 100 });
      register(after);
      await eventually(async () => (await rows()).every(([, next]) => Number(next) > clock.now()));
      const fired = expectOk(await after.list({ limit: 100 })).jobs;
      const ticks = (name: string) =>
        fired.filter((j) => j.schedule?.name === name).map((j) => j.schedule?.tick as number);
      const last = Math.floor(clock.now() / 1000) * 1000;
      expect(ticks('skip')).toEqual([]);
      expect(ticks('latest')).toEqual([last]);
      expect(ticks('all').sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => last - 9000 + i * 1000));
    });
  });
}
if (dbs.skipped) describe.skip(`schedules (PostgreSQL) — skipped: ${dbs.skipped}`, () => it('runs', () => undefined));
