import { ok } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobs, defineJob } from '../src/index.js';
import { bundleChild, type Child, logTables, spawnChild } from './support/child-processes.js';
import { freshTable, openDatabase, sleep, testDatabases } from './support/databases.js';

const dbs = await testDatabases('procs');
let child: Awaited<ReturnType<typeof bundleChild>>;
beforeAll(async () => {
  child = await bundleChild();
});
afterAll(async () => {
  child?.remove();
  await dbs.cleanup();
});

const stopAll = async (children: Child[]) => {
  for (const c of children) c.process.kill('SIGTERM');
  return Promise.all(children.map((c) => c.exited));
};

for (const db of dbs.databases) {
  describe(`several processes (${db.name})`, () => {
    it('4 processes × concurrency 8 share one queue: every job runs once, every process gets work', async () => {
      const sql = openDatabase(db.target);
      const table = freshTable();
      const jobs = createJobs({ sql, table, jobs: { work: defineJob<{ n: number }>() } });
      expectOk(await jobs.migrate());
      expectOk(await sql.executeScript(logTables(table)));
      const config = { target: db.target, table, mode: 'compete' as const, leaseMs: 10_000, concurrency: 8 };
      const children = Array.from({ length: 4 }, () => spawnChild(child.file, config));
      await Promise.all(children.map((c) => c.ready));

      const total = 400;
      const ids = new Set<string>();
      for (let batch = 0; batch < 8; batch++) {
        expectOk(
          await sql.transaction(async (tx) => {
            for (let i = 0; i < total / 8; i++) {
              const q = await jobs.enqueue(tx, 'work', { n: batch * 50 + i });
              if (q.isErr()) return q;
              ids.add(q.value.id);
            }
            return ok(undefined);
          }),
        );
        await sleep(10);
      }
      for (;;) {
        const counts = expectOk(await jobs.counts()).default ?? {};
        if ((counts.completed ?? 0) === total) break;
        await sleep(20);
      }
      expect((await stopAll(children)).every((code) => code === 0)).toBe(true);

      const runs = expectOk(await sql.query(`SELECT job_id, pid FROM ${table}_runs`)).rows;
      expect(runs.length).toBe(total);
      expect(new Set(runs.map(([id]) => id))).toEqual(ids);
      const perProcess = new Map<number, number>();
      for (const [, pid] of runs) perProcess.set(Number(pid), (perProcess.get(Number(pid)) ?? 0) + 1);
      console.info(`[jobs competing workers, ${db.name}] jobs per process: ${[...perProcess.values()].join(', ')}`);
      expect(perProcess.size).toBe(4);
      for (const count of perProcess.values()) expect(count).toBeGreaterThanOrEqual(total / 20);
      await jobs.close();
      await sql.close();
    }, 60_000);

    it('3 processes fire each tick of an interval and a cron schedule once', async () => {
      const sql = openDatabase(db.target);
      const table = freshTable();
      const jobs = createJobs({ sql, table, jobs: { tick: defineJob<{ schedule: string }>() } });
      expectOk(await jobs.migrate());
      expectOk(await sql.executeScript(logTables(table)));
      const config = { target: db.target, table, mode: 'schedule' as const, leaseMs: 10_000, concurrency: 1 };
      const children = Array.from({ length: 3 }, () => spawnChild(child.file, config));
      await Promise.all(children.map((c) => c.ready));
      await sleep(2600);
      expect((await stopAll(children)).every((code) => code === 0)).toBe(true);
      for (const c of children) expect(c.stderr()).toBe('');

      const ticks = expectOk(await jobs.list({ name: 'tick', limit: 1000 })).jobs;
      const bySchedule = new Map<string, number[]>();
      for (const job of ticks) {
        const s = job.schedule as { name: string; tick: number };
        bySchedule.set(s.name, [...(bySchedule.get(s.name) ?? []), s.tick]);
        expect(job.payload).toEqual({ schedule: s.name });
      }
      const every200 = (bySchedule.get('every200') ?? []).sort((a, b) => a - b);
      const everySecond = (bySchedule.get('everySecond') ?? []).sort((a, b) => a - b);
      // Each tick once, and no tick skipped between the first and the last.
      expect(new Set(every200).size).toBe(every200.length);
      expect(every200.slice(1).map((t, i) => t - (every200[i] as number))).toEqual(every200.slice(1).map(() => 200));
      expect(everySecond.slice(1).map((t, i) => t - (everySecond[i] as number))).toEqual(
        everySecond.slice(1).map(() => 1000),
      );
      expect(every200.length).toBeGreaterThanOrEqual(5);
      expect(everySecond.length).toBeGreaterThanOrEqual(1);
      // Each completed tick ran once.
      const runs = expectOk(await sql.query(`SELECT job_id, COUNT(*) FROM ${table}_runs GROUP BY job_id`)).rows;
      expect(runs.filter(([, n]) => Number(n) !== 1)).toEqual([]);
      const firers = new Set(expectOk(await sql.query(`SELECT DISTINCT pid FROM ${table}_runs`)).rows.map(([p]) => p));
      console.info(
        `[jobs schedules, ${db.name}] ${every200.length} ticks of every200, ${everySecond.length} of everySecond; ` +
          `run by ${firers.size} of 3 processes`,
      );
      await jobs.close();
      await sql.close();
    }, 60_000);
  });
}
if (dbs.skipped)
  describe.skip(`several processes (PostgreSQL) — skipped: ${dbs.skipped}`, () => it('runs', () => undefined));
