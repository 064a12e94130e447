// A worker process for the multi-process tests: works one test's jobs on a shared database (a
// SQLite file or a PostgreSQL URL) until it is killed (SIGKILL), told to stop (SIGTERM: a
// graceful close), or — in `drain` — finds nothing left to do. It reports on stdout, one line
// per event: `ready`, `start <id>`, `end <id>`.
import { createJobs, defineJob } from '../../src/index.js';
import { openDatabase } from './databases.js';

export interface ChildConfig {
  readonly target: string;
  readonly table: string;
  readonly mode: 'kill' | 'compete' | 'schedule';
  readonly leaseMs: number;
  readonly concurrency: number;
  /** Exit once no job is waiting or active (the kill test's last worker). */
  readonly drain?: boolean;
}

const config = JSON.parse(process.argv[2] as string) as ChildConfig;
const sql = openDatabase(config.target);
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
const t = config.table;

const jobs = createJobs({
  sql,
  table: t,
  leaseMs: config.leaseMs,
  pollIntervalMs: 20,
  shutdownGraceMs: 500,
  jobs: {
    work: defineJob<{ n: number; fail?: boolean }, number>({ backoff: { type: 'fixed', delayMs: 10 } }),
    tick: defineJob<{ schedule: string }>(),
  },
  schedules:
    config.mode === 'schedule'
      ? {
          every200: { job: 'tick', payload: { schedule: 'every200' }, everyMs: 200 },
          everySecond: {
            job: 'tick',
            payload: { schedule: 'everySecond' },
            cron: '* * * * * *',
            timeZone: 'Europe/Paris',
          },
        }
      : {},
  onError: (error) => process.stderr.write(`jobs error: ${error.message}\n`),
});

// Every run is logged; the effect is applied once per job id (the idempotency key) and the
// handler returns which process applied it, so a second run returns the first run's answer.
const run = async (id: string, attempt: number) => {
  const logged = await sql.execute(`INSERT INTO ${t}_runs (job_id, attempt, pid) VALUES (?, ?, ?)`, [
    id,
    attempt,
    process.pid,
  ]);
  if (logged.isErr()) throw logged.error;
};
const applyOnce = async (id: string): Promise<number> => {
  const applied = await sql.execute(`INSERT INTO ${t}_effects (job_id, pid) VALUES (?, ?) ON CONFLICT DO NOTHING`, [
    id,
    process.pid,
  ]);
  if (applied.isErr()) throw applied.error;
  const effect = await sql.query(`SELECT pid FROM ${t}_effects WHERE job_id = ?`, [id]);
  if (effect.isErr()) throw effect.error;
  return Number(effect.value.rows[0]?.[0]);
};

jobs
  .work(
    'work',
    async ({ id, attempt, payload, signal }) => {
      say(`start ${id}`);
      await run(id, attempt);
      await sleep(config.mode === 'kill' ? 5 + Math.floor(Math.random() * 40) : 20, signal);
      if (payload.fail) throw new Error(`job ${payload.n} always fails`);
      const pid = await applyOnce(id);
      say(`end ${id}`);
      return pid;
    },
    { concurrency: config.concurrency },
  )
  ._unsafeUnwrap();
jobs
  .work('tick', async ({ id, attempt }) => {
    await run(id, attempt);
    return process.pid;
  })
  ._unsafeUnwrap();
say('ready');

const close = async () => {
  await jobs.close();
  await sql.close();
  process.exit(0);
};
process.on('SIGTERM', () => void close());
if (config.drain) {
  for (;;) {
    await sleep(50);
    const left = await sql.query(`SELECT COUNT(*) FROM ${t} WHERE state IN ('waiting', 'active')`);
    if (left.isOk() && Number(left.value.rows[0]?.[0]) === 0) break;
  }
  await close();
}
