import { err, ok } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobs, defineJob } from '../src/index.js';
import { bundleChild, type Child, logTables, spawnChild } from './support/child-processes.js';
import { freshTable, openDatabase, sleep, testDatabases } from './support/databases.js';

const dbs = await testDatabases('kill');
let child: Awaited<ReturnType<typeof bundleChild>>;
beforeAll(async () => {
  child = await bundleChild();
});
afterAll(async () => {
  child?.remove();
  await dbs.cleanup();
});

const KILLS = 50;
const LEASE_MS = 300;

/**
 * Worker processes, three at a time, each SIGKILLed at a random moment while it runs a job, until
 * at least KILLS kills landed mid-job; then one last worker drains the queue. Jobs are enqueued
 * meanwhile, some in transactions that roll back, some that always fail.
 */
for (const db of dbs.databases) {
  describe(`under SIGKILL (${db.name})`, () => {
    it(`ends every job completed or dead, none lost, none applied twice (≥${KILLS} kills mid-job)`, async () => {
      const sql = openDatabase(db.target);
      const table = freshTable();
      const jobs = createJobs({
        sql,
        table,
        // Enough attempts that kills alone never kill a job; the failing ones get 3.
        jobs: {
          work: defineJob<{ n: number; fail?: boolean }>({ maxAttempts: 50, backoff: { type: 'fixed', delayMs: 10 } }),
        },
      });
      expectOk(await jobs.migrate());
      expectOk(await sql.executeScript(logTables(table)));

      const committed = new Map<string, { fail: boolean }>();
      let rolledBack = 0;
      let n = 0;
      const enqueue = async (count: number) => {
        for (let i = 0; i < count; i++) {
          const fail = n % 25 === 7;
          const payload = { n: n++, ...(fail ? { fail } : {}) };
          if (n % 10 === 0) {
            // Rolled back after enqueueing: the job must never exist.
            await sql.transaction(async (tx) => {
              expectOk(await jobs.enqueue(tx, 'work', payload));
              return err('rolled back');
            });
            rolledBack++;
            continue;
          }
          const options = fail ? { maxAttempts: 3 } : {};
          const queued = expectOk(
            await sql.transaction(async (tx) => jobs.enqueue(tx, 'work', payload, options).andThen((q) => ok(q))),
          );
          committed.set(queued.id, { fail });
        }
      };
      await enqueue(120);

      const config = { target: db.target, table, mode: 'kill' as const, leaseMs: LEASE_MS, concurrency: 3 };
      let kills = 0;
      let midJob = 0;
      const stderr: string[] = [];
      const killOne = async () => {
        const c: Child = spawnChild(child.file, config);
        const topUp = () => enqueue(30);
        await c.untilWorking(topUp);
        await sleep(Math.floor(Math.random() * 60));
        await c.untilWorking(topUp);
        const inFlight = c.inFlight.size > 0;
        if (!c.process.kill('SIGKILL')) return;
        await c.exited;
        kills++;
        if (inFlight) midJob++;
        stderr.push(c.stderr());
      };
      while (midJob < KILLS) await Promise.all([killOne(), killOne(), killOne()]);

      const last = spawnChild(child.file, { ...config, drain: true });
      expect(await last.exited, last.stderr()).toBe(0);

      // Every committed job ended, completed or dead; nothing else exists.
      const all = new Map(expectOk(await jobs.list({ limit: 1000 })).jobs.map((j) => [j.id, j]));
      expect([...all.keys()].filter((id) => !committed.has(id))).toEqual([]);
      expect([...committed.keys()].filter((id) => !all.has(id))).toEqual([]);
      const effects = new Map(
        expectOk(await sql.query(`SELECT job_id, pid FROM ${table}_effects`)).rows.map(([id, pid]) => [
          id,
          Number(pid),
        ]),
      );
      for (const [id, { fail }] of committed) {
        const job = all.get(id);
        if (fail) {
          expect(job?.state, id).toBe('dead');
          expect(job?.attempts, id).toBe(3);
          expect(effects.has(id), id).toBe(false);
        } else {
          expect(job?.state, `${id}: ${JSON.stringify(job?.error)}`).toBe('completed');
          // Applied once, by its idempotency key; a re-run returned the first run's answer.
          expect(job?.result, id).toBe(effects.get(id));
        }
      }
      const runs = expectOk(await sql.query(`SELECT job_id, COUNT(*) FROM ${table}_runs GROUP BY job_id`)).rows;
      const reruns = runs.reduce((sum, [, count]) => sum + Number(count) - 1, 0);
      const failing = [...committed.values()].filter((j) => j.fail).length;
      console.info(
        `[jobs kill test, ${db.name}] ${kills} SIGKILLs (${midJob} mid-job); ${committed.size} committed jobs ` +
          `(${failing} always failing → dead), ${rolledBack} rolled back; ${runs.length} jobs ran, ` +
          `${reruns} extra runs (at-least-once: failed attempts and runs cut by a kill), ${effects.size} effects applied once each`,
      );
      expect(midJob).toBeGreaterThanOrEqual(KILLS);
      // No worker saw the database fail (a lock it could not get, a claim that broke).
      expect(stderr.filter((text) => text !== '')).toEqual([]);
      await jobs.close();
      await sql.close();
    }, 120_000);
  });
}
if (dbs.skipped)
  describe.skip(`under SIGKILL (PostgreSQL) — skipped: ${dbs.skipped}`, () => it('runs', () => undefined));
