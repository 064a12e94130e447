import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { ok, type Sql } from '@keel/core';
import { createJobs, defineJob, type Jobs } from '@keel/jobs';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { compare, printTable } from './harness.js';
import type { BenchWorker } from './jobs-worker.js';

// The bench package has no @types/better-sqlite3; these are the few members it uses.
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  filename: string,
) => {
  pragma(pragma: string): unknown;
  exec(script: string): void;
  prepare(statement: string): { run(...params: unknown[]): unknown };
  close(): void;
};

const server = process.env.KEEL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const definitions = { noop: defineJob<{ n: number }>() };
const psql = (command: string) => execFileSync('psql', [server, '-qAt', '-c', command]);

/**
 * @keel/jobs against pg-boss 10.4 (the newest pg-boss that runs on Node 20) on the same
 * PostgreSQL, and on a SQLite file: enqueue rate, enqueue → complete throughput of a no-op
 * handler with 1 and 4 worker processes, and the claim latency (enqueue → handler start).
 */
export async function run(): Promise<void> {
  console.log(
    `\n## jobs (load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')})`,
  );
  const database = `keel_bench_jobs_${process.pid}`;
  psql(`CREATE DATABASE ${database}`);
  const url = Object.assign(new URL(server), { pathname: `/${database}` }).toString();
  const folder = mkdtempSync(join(tmpdir(), 'keel-bench-jobs-'));
  try {
    await enqueueRates(url, folder);
    await throughput(url, folder);
    await latency(url, folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
    psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
  console.log(
    `\n(load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')})`,
  );
}

/** Jobs enqueued per second, one at a time and 100 in one transaction (pg-boss: one `insert`). */
async function enqueueRates(url: string, folder: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  await pool.query(
    'CREATE TABLE raw_jobs (id uuid PRIMARY KEY, name text NOT NULL, payload text NOT NULL, created_at bigint NOT NULL)',
  );
  const raw = new Database(join(folder, 'raw.sqlite'));
  raw.pragma('journal_mode = WAL');
  raw.exec(
    'CREATE TABLE raw_jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL, payload TEXT NOT NULL, created_at INTEGER NOT NULL)',
  );
  const rawInsert = raw.prepare('INSERT INTO raw_jobs VALUES (?, ?, ?, ?)');
  const boss = await startBoss(url, 'bench_enqueue');
  const pgSql = createPostgresSql({ connectionString: url, poolSize: 4 });
  const liteSql = createSqliteSql({ filename: join(folder, 'enqueue.sqlite') });
  const pgJobs = await keelJobs(pgSql, 'enqueue_jobs');
  const liteJobs = await keelJobs(liteSql, 'enqueue_jobs');
  let n = 0;
  const one = (jobs: Jobs<typeof definitions>) => async () => (await jobs.enqueue('noop', { n: n++ }))._unsafeUnwrap();
  const hundred = (sql: Sql, jobs: Jobs<typeof definitions>) => async () =>
    (
      await sql.transaction(async (tx) => {
        for (let i = 0; i < 100; i++) {
          const queued = await jobs.enqueue(tx, 'noop', { n: n++ });
          if (queued.isErr()) return queued;
        }
        return ok(undefined);
      })
    )._unsafeUnwrap();
  const many = (jobs: Jobs<typeof definitions>) => async () =>
    (
      await jobs.enqueueMany(
        'noop',
        Array.from({ length: 100 }, () => ({ n: n++ })),
      )
    )._unsafeUnwrap();
  await compare(
    'jobs: enqueue, one at a time (jobs/s)',
    [
      {
        name: 'raw pg INSERT (no queue)',
        fn: () =>
          pool.query('INSERT INTO raw_jobs VALUES ($1, $2, $3, $4)', [
            crypto.randomUUID(),
            'noop',
            `{"n":${n++}}`,
            Date.now(),
          ]),
      },
      { name: 'pg-boss 10 send (PostgreSQL)', fn: () => boss.send('noop', { n: n++ }) },
      { name: 'keel jobs enqueue (PostgreSQL)', fn: one(pgJobs) },
      {
        name: 'raw better-sqlite3 INSERT (WAL file)',
        fn: () => rawInsert.run(crypto.randomUUID(), 'noop', `{"n":${n++}}`, Date.now()),
      },
      { name: 'keel jobs enqueue (SQLite WAL file)', fn: one(liteJobs) },
    ],
    { rounds: 5, roundMs: 300, checkEvery: 8 },
  );
  await compare(
    'jobs: enqueue, 100 per transaction (jobs/s)',
    [
      {
        name: 'pg-boss 10 insert([100]) (PostgreSQL)',
        fn: () => boss.insert(Array.from({ length: 100 }, () => ({ name: 'noop', data: { n: n++ } }))),
        opsPerCall: 100,
      },
      { name: 'keel jobs enqueueMany([100]) (PostgreSQL)', fn: many(pgJobs), opsPerCall: 100 },
      { name: 'keel jobs enqueue ×100 in one tx (PostgreSQL)', fn: hundred(pgSql, pgJobs), opsPerCall: 100 },
      { name: 'keel jobs enqueueMany([100]) (SQLite)', fn: many(liteJobs), opsPerCall: 100 },
      { name: 'keel jobs enqueue ×100 in one tx (SQLite)', fn: hundred(liteSql, liteJobs), opsPerCall: 100 },
    ],
    { rounds: 5, roundMs: 400, checkEvery: 1 },
  );
  await Promise.all([pgJobs.close(), liteJobs.close()]);
  await Promise.all([boss.stop({ graceful: false, wait: true }), pgSql.close(), liteSql.close(), pool.end()]);
  raw.close();
}

interface Contender {
  readonly name: string;
  readonly kind: BenchWorker['kind'];
  readonly target: 'postgres' | 'sqlite';
  readonly concurrency: number;
  /** Keel: wake workers through `sql.notifications` (PostgreSQL). @default true */
  readonly notifications?: boolean;
}

const contenders: Contender[] = [
  { name: 'pg-boss 10, batchSize 8', kind: 'pg-boss', target: 'postgres', concurrency: 8 },
  { name: 'pg-boss 10, batchSize 100', kind: 'pg-boss', target: 'postgres', concurrency: 100 },
  { name: 'keel jobs PostgreSQL, concurrency 8', kind: 'keel', target: 'postgres', concurrency: 8 },
  { name: 'keel jobs PostgreSQL, concurrency 100', kind: 'keel', target: 'postgres', concurrency: 100 },
  { name: 'keel jobs SQLite file, concurrency 8', kind: 'keel', target: 'sqlite', concurrency: 8 },
  { name: 'keel jobs SQLite file, concurrency 100', kind: 'keel', target: 'sqlite', concurrency: 100 },
];

/**
 * Enqueue → complete, no-op handler: N jobs enqueued while the worker processes poll (every
 * 500 ms, pg-boss's minimum, for both), throughput from the first start to the last completion
 * as the database recorded them.
 */
async function throughput(url: string, folder: string): Promise<void> {
  for (const processes of [1, 4]) {
    const rows = [];
    for (const c of contenders) {
      const space = `tp_${c.kind.replace('-', '')}_${c.concurrency}_${processes}`;
      const target = c.target === 'postgres' ? url : join(folder, `${space}.sqlite`);
      const total = c.kind === 'pg-boss' && c.concurrency === 8 ? 400 : 4000;
      const { completed, ms } = await drain(c, target, space, processes, total);
      rows.push({ name: `${c.name} (${completed} jobs)`, opsPerSec: (completed / ms) * 1000, ratio: 0 });
    }
    const first = rows[0]?.opsPerSec ?? 1;
    printTable(
      `jobs: enqueue → complete, no-op handler, ${processes} worker process${processes > 1 ? 'es' : ''} (jobs/s)`,
      rows.map((r) => ({ ...r, ratio: first / r.opsPerSec })),
    );
  }
}

async function drain(c: Contender, target: string, space: string, processes: number, total: number) {
  const probe = await prepare(c, target, space);
  const workers = Array.from({ length: processes }, () =>
    startWorker({ kind: c.kind, target, space, concurrency: c.concurrency, pollMs: 500 }),
  );
  await Promise.all(workers.map((w) => w.ready));
  await probe.enqueue(total);
  const deadline = Date.now() + 30_000;
  let done = await probe.done();
  while (done.completed < total && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    done = await probe.done();
  }
  await Promise.all(workers.map((w) => w.stop()));
  await probe.close();
  return done;
}

/** Enqueues and reads back timestamps, for one contender's fresh queue. */
async function prepare(c: Contender, target: string, space: string) {
  if (c.kind === 'pg-boss') {
    const boss = await startBoss(target, space);
    const pool = new pg.Pool({ connectionString: target, max: 2 });
    return {
      enqueue: async (total: number) => {
        for (let i = 0; i < total; i += 500) {
          await boss.insert(
            Array.from({ length: Math.min(500, total - i) }, (_, k) => ({ name: 'noop', data: { n: i + k } })),
          );
        }
      },
      done: async () => {
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n, extract(epoch FROM max(completed_on) - min(started_on)) * 1000 AS ms FROM ${space}.job WHERE name = 'noop' AND state = 'completed'`,
        );
        return { completed: rows[0].n as number, ms: Number(rows[0].ms ?? 1) };
      },
      latency: async () => {
        const { rows } = await pool.query(
          `SELECT extract(epoch FROM started_on - created_on) * 1000 AS ms FROM ${space}.job WHERE name = 'noop' AND state = 'completed' ORDER BY created_on DESC LIMIT 1`,
        );
        return Number(rows[0]?.ms);
      },
      close: async () => {
        await boss.stop({ graceful: false, wait: true });
        await pool.end();
      },
    };
  }
  const sql =
    c.target === 'postgres'
      ? createPostgresSql({ connectionString: target, poolSize: 2 })
      : createSqliteSql({ filename: target });
  const jobs = await keelJobs(sql, space, c.notifications ?? true);
  return {
    enqueue: async (total: number) => {
      // One job alone goes through enqueue (it wakes this process's workers); more at once through enqueueMany.
      if (total === 1) (await jobs.enqueue('noop', { n: 0 }))._unsafeUnwrap();
      else
        (
          await jobs.enqueueMany(
            'noop',
            Array.from({ length: total }, (_, k) => ({ n: k })),
          )
        )._unsafeUnwrap();
    },
    done: async () => {
      const { rows } = (
        await sql.query(`SELECT COUNT(*), MAX(finished_at) - MIN(started_at) FROM ${space} WHERE state = 'completed'`)
      )._unsafeUnwrap();
      return { completed: Number(rows[0]?.[0]), ms: Number(rows[0]?.[1] ?? 1) };
    },
    latency: async () => {
      const { rows } = (
        await sql.query(
          `SELECT started_at - created_at FROM ${space} WHERE state = 'completed' ORDER BY created_at DESC LIMIT 1`,
        )
      )._unsafeUnwrap();
      return Number(rows[0]?.[0]);
    },
    close: async () => {
      await jobs.close();
      await sql.close();
    },
    jobs,
  };
}

/** Enqueue → handler start on an idle queue, one job at a time, 20 times: median and p95 (ms). */
async function latency(url: string, folder: string): Promise<void> {
  const results: string[] = [];
  const cases: (Contender & { inProcess?: boolean })[] = [
    { name: 'pg-boss 10, other process, polling every 500 ms', kind: 'pg-boss', target: 'postgres', concurrency: 1 },
    {
      name: 'keel PostgreSQL, other process, notifications (poll kept)',
      kind: 'keel',
      target: 'postgres',
      concurrency: 1,
    },
    {
      name: 'keel PostgreSQL, other process, polling every 500 ms',
      kind: 'keel',
      target: 'postgres',
      concurrency: 1,
      notifications: false,
    },
    { name: 'keel SQLite, other process, polling every 500 ms', kind: 'keel', target: 'sqlite', concurrency: 1 },
    {
      name: 'keel PostgreSQL, same process (woken by enqueue)',
      kind: 'keel',
      target: 'postgres',
      concurrency: 1,
      inProcess: true,
    },
    {
      name: 'keel SQLite, same process (woken by enqueue)',
      kind: 'keel',
      target: 'sqlite',
      concurrency: 1,
      inProcess: true,
    },
  ];
  for (const [i, c] of cases.entries()) {
    const space = `lat_${i}`;
    const target = c.target === 'postgres' ? url : join(folder, `${space}.sqlite`);
    const probe = await prepare(c, target, space);
    const worker = c.inProcess
      ? undefined
      : startWorker({
          kind: c.kind,
          target,
          space,
          concurrency: 1,
          pollMs: 500,
          notifications: c.notifications ?? true,
        });
    await worker?.ready;
    if (c.inProcess && 'jobs' in probe) probe.jobs?.work('noop', () => undefined)._unsafeUnwrap();
    const samples: number[] = [];
    for (let k = 0; k < 20; k++) {
      await probe.enqueue(1);
      const before = (await probe.done()).completed;
      while ((await probe.done()).completed < before + 1 && (await probe.done()).completed < k + 1) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      samples.push(await probe.latency());
      // A random moment in the poll cycle, as real traffic arrives.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 500));
    }
    await worker?.stop();
    await probe.close();
    samples.sort((a, b) => a - b);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]?.toFixed(1);
    results.push(`| ${c.name.padEnd(54)} | ${String(at(0.5)).padStart(8)} | ${String(at(0.95)).padStart(8)} |`);
  }
  console.log('\n### jobs: claim latency, enqueue → handler start on an idle queue (ms)\n');
  console.log(`| ${'case'.padEnd(54)} | median   | p95      |`);
  console.log(`| ${'-'.repeat(54)} | -------- | -------- |`);
  for (const line of results) console.log(line);
}

async function keelJobs(sql: Sql, table: string, notifications = true) {
  const jobs = createJobs({ sql, table, jobs: definitions, notifications });
  (await jobs.migrate())._unsafeUnwrap();
  return jobs;
}

async function startBoss(url: string, schema: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: url, schema, max: 4, supervise: false, schedule: false });
  boss.on('error', (e) => console.error(e.message));
  await boss.start();
  await boss.createQueue('noop');
  return boss;
}

function startWorker(w: BenchWorker): { ready: Promise<void>; stop(): Promise<void> } {
  const file = fileURLToPath(new URL('jobs-worker.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', file, JSON.stringify(w)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve) =>
    child.stdout?.on('data', (c: Buffer) => c.toString().includes('ready') && resolve()),
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    ready,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
