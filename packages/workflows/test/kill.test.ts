import { expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkflows } from '../src/index.js';
import { bundleChild, type Child, spawnChild } from './support/child-processes.js';
import { freshTable, openDatabase, sleep, testDatabases } from './support/databases.js';
import { alwaysFails, fansOut, invalidInput, killWorkflow, logTables } from './support/kill-workflow.js';

const dbs = await testDatabases('kill');
let child: Awaited<ReturnType<typeof bundleChild>>;
beforeAll(async () => {
  child = await bundleChild();
});
afterAll(async () => {
  child?.remove();
  await dbs.cleanup();
});

const KILLS = 30;
const LEASE_MS = 300;

/**
 * Worker processes, three at a time, each SIGKILLed at a random moment while it runs a step,
 * until at least KILLS kills landed mid-step; then one last worker drains what is left. Runs
 * are started meanwhile; some fail validation, some have a step that always fails.
 */
for (const db of dbs.databases) {
  describe(`workflow runs under SIGKILL (${db.name})`, () => {
    it(`end completed or failed, each step's effect applied once per key (≥${KILLS} kills mid-step)`, async () => {
      const sql = openDatabase(db.target);
      const table = freshTable();
      const workflows = createWorkflows({ sql, table });
      expectOk(await workflows.migrate());
      expectOk(await sql.executeScript(logTables(table)));
      expectOk(
        await workflows.register(
          'pipeline',
          killWorkflow(sql, table, () => undefined),
        ),
      );

      const started = new Map<string, number>();
      let n = 0;
      // Three workers' watchers may start runs at once: each run's n is taken before the await.
      const start = async (count: number) => {
        for (let i = 0; i < count; i++) {
          const value = n++;
          started.set(expectOk(await workflows.start('pipeline', { n: value })), value);
        }
      };
      await start(40);

      const config = { target: db.target, table, leaseMs: LEASE_MS, concurrency: 3 };
      let kills = 0;
      let midStep = 0;
      const stderr: string[] = [];
      const killOne = async () => {
        const c: Child = spawnChild(child.file, config);
        const topUp = () => start(20);
        await c.untilWorking(topUp);
        await sleep(Math.floor(Math.random() * 40));
        await c.untilWorking(topUp);
        const inFlight = c.inFlight.size > 0;
        if (!c.process.kill('SIGKILL')) return;
        await c.exited;
        kills++;
        if (inFlight) midStep++;
        stderr.push(c.stderr());
      };
      const began = Date.now();
      while (midStep < KILLS) await Promise.all([killOne(), killOne(), killOne()]);
      const last = spawnChild(child.file, { ...config, drain: true });
      expect(await last.exited, last.stderr()).toBe(0);
      const seconds = (Date.now() - began) / 1000;

      const effects = new Map(
        expectOk(await sql.query(`SELECT step_key, pid FROM ${table}_effects`)).rows.map(([k, pid]) => [
          String(k),
          Number(pid),
        ]),
      );
      let completed = 0;
      let failed = 0;
      let visits = 0;
      for (const [runId, value] of started) {
        const run = expectOk(await workflows.status(runId));
        const steps = expectOk(await workflows.history(runId));
        visits += steps.length;
        // No step visited twice: a resumed run went on from its last completed step.
        expect(new Set(steps.map((s) => s.step)).size, runId).toBe(steps.length);
        if (invalidInput(value)) {
          expect(run.error?.code, runId).toBe('VALIDATION');
          failed++;
          continue;
        }
        if (alwaysFails(value)) {
          expect(run.error, runId).toMatchObject({ code: 'STEP_FAILED', step: 'charge' });
          expect(effects.has(`${runId}:charge:1`), runId).toBe(false);
          failed++;
          continue;
        }
        expect(run.state, `${runId}: ${JSON.stringify(run.error)}`).toBe('completed');
        completed++;
        const expected = fansOut(value)
          ? ['charge', 'finish', 'notify', 'route', 'validate']
          : ['charge', 'finish', 'route', 'validate'];
        expect(steps.map((s) => s.step).sort(), runId).toEqual(expected);
        for (const s of steps.filter((s) => ['charge', 'notify', 'finish'].includes(s.step))) {
          // Applied once, by its key; a re-run returned the first run's answer.
          expect(s.output, s.key).toEqual({ [s.step]: effects.get(s.key) });
          expect(s.state).toBe('completed');
        }
        // The context kept both parallel branches' merges.
        expect(run.context, runId).toMatchObject(
          fansOut(value) ? { charge: expect.any(Number), notify: expect.any(Number) } : { charge: expect.any(Number) },
        );
      }
      const logged = expectOk(await sql.query(`SELECT COUNT(*) FROM ${table}_log`)).rows[0]?.[0];
      console.info(
        `[workflows kill test, ${db.name}] ${kills} SIGKILLs (${midStep} mid-step) in ${seconds.toFixed(1)} s; ` +
          `${started.size} runs (${completed} completed, ${failed} failed as designed), ${visits} step visits, ` +
          `${Number(logged)} effect-step runs for ${effects.size} effects applied once each`,
      );
      expect(midStep).toBeGreaterThanOrEqual(KILLS);
      expect(stderr.filter((text) => text !== '')).toEqual([]);
      await workflows.close();
      await sql.close();
    }, 120_000);
  });
}
if (dbs.skipped)
  describe.skip(`workflow runs under SIGKILL (PostgreSQL) — skipped: ${dbs.skipped}`, () =>
    it('runs', () => undefined));
