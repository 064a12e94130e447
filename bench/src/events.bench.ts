import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Result, Sql } from '@keel/core';
import { createEvents, type Events } from '@keel/events';
import { compare, printTable } from './harness.js';

const server = process.env.KEEL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const consumer = fileURLToPath(new URL('events-consumer.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const unwrap = async <T, E>(r: PromiseLike<Result<T, E>>): Promise<T> => {
  const result = await r;
  if (result.isErr()) throw result.error;
  return result.value;
};

interface Database {
  readonly name: string;
  readonly target: string;
  open(): Sql;
  drop(): void;
}

/**
 * Events: publish throughput against the same INSERT through raw `keel.sql`; publish + deliver
 * per second with one consumer in the publishing process, one consumer process and four; and
 * the end-to-end latency (publishing transaction begun → handler called) with the in-process
 * wake-up, `sql.notifications` (PostgreSQL) and polling. On a SQLite file and on PostgreSQL.
 */
export async function run(): Promise<void> {
  console.log(
    `\nload average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (2 cores, shared)`,
  );
  for (const db of databases()) {
    try {
      await publishing(db);
      await delivering(db);
      await latency(db);
    } finally {
      db.drop();
    }
  }
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
}

function databases(): Database[] {
  const folder = mkdtempSync(join(tmpdir(), 'keel-bench-events-'));
  const list: Database[] = [
    {
      name: 'SQLite (WAL file)',
      target: join(folder, 'events.db'),
      open: () => createSqliteSql({ filename: join(folder, 'events.db'), busyTimeoutMs: 10_000 }),
      drop: () => rmSync(folder, { recursive: true, force: true }),
    },
  ];
  try {
    const psql = (statement: string) => execFileSync('psql', [server, '-qAt', '-c', statement], { stdio: 'pipe' });
    const name = `keel_bench_events_${process.pid}`;
    psql(`CREATE DATABASE ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    list.push({
      name: 'PostgreSQL',
      target: url.toString(),
      open: () => createPostgresSql({ connectionString: url.toString(), poolSize: 10 }),
      drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    });
  } catch (error) {
    console.log(`\n(PostgreSQL skipped: ${(error as Error).message.split('\n')[0]})`);
  }
  return list;
}

let tables = 0;
async function store(sql: Sql): Promise<{ events: Events; table: string }> {
  const table = `bench_${tables++}`;
  const events = createEvents(sql, { table });
  await unwrap(events.migrate());
  return { events, table };
}

/** Publishing alone: one event per transaction (and ten), against the same INSERT through keel.sql. */
async function publishing(db: Database): Promise<void> {
  const sql = db.open();
  const { events } = await store(sql);
  await unwrap(sql.executeScript(rawTable(sql)));
  let n = 0;
  const event = () => ({ type: 'OrderPlaced', aggregateId: `order-${n % 64}`, data: { n: n++, total: 4200 } });
  const raw = () =>
    unwrap(
      sql.transaction((tx) =>
        tx.execute(
          'INSERT INTO raw_events (id, aggregate_id, stream_version, type, data, metadata, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [crypto.randomUUID(), `order-${n % 64}`, n, 'OrderPlaced', JSON.stringify({ n: n++ }), '{}', Date.now()],
        ),
      ),
    );
  const publish = () => unwrap(sql.transaction((tx) => events.publish(tx, event())));
  // What announcing costs (one pg_notify in each publishing transaction), where there is one.
  const quiet = sql.capabilities.notifications
    ? createEvents(sql, { table: `bench_${tables++}`, notifications: false })
    : undefined;
  if (quiet) await unwrap(quiet.migrate());
  const withoutNotify = quiet
    ? [
        {
          name: 'events.publish: 1 event per transaction, notifications off',
          fn: () => unwrap(sql.transaction((tx) => quiet.publish(tx, event()))),
        },
      ]
    : [];
  const eight = (fn: () => Promise<unknown>) => () => Promise.all(Array.from({ length: 8 }, fn));
  await compare(
    `events on ${db.name}: publish throughput (events/s)`,
    [
      { name: 'raw keel.sql: INSERT of the same row, 1 per transaction', fn: raw },
      { name: 'events.publish: 1 event per transaction', fn: publish },
      ...withoutNotify,
      {
        name: 'events.publish: 10 events per transaction',
        fn: () => unwrap(sql.transaction((tx) => events.publish(tx, Array.from({ length: 10 }, event)))),
        opsPerCall: 10,
      },
      { name: 'raw keel.sql INSERT, 8 concurrent callers', fn: eight(raw), opsPerCall: 8 },
      { name: 'events.publish, 8 concurrent callers', fn: eight(publish), opsPerCall: 8 },
    ],
    { rounds: 5, roundMs: 300, checkEvery: 4 },
  );
  await sql.close();
}

function rawTable(sql: Sql): string {
  const id = sql.capabilities.dialect === 'postgres' ? 'BIGINT GENERATED ALWAYS AS IDENTITY' : 'INTEGER';
  return `CREATE TABLE raw_events (position ${id} PRIMARY KEY, id VARCHAR(36) NOT NULL, aggregate_id VARCHAR(200) NOT NULL, stream_version INTEGER NOT NULL, type VARCHAR(200) NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, occurred_at BIGINT NOT NULL)`;
}

/** Publish N events (1 per transaction, `concurrency` callers) while consumers deliver them; until the last is handled. */
async function delivering(db: Database): Promise<void> {
  const total = 3000;
  const partitions = 8;
  const rows = [];
  const cases = [
    { consumers: 'in-process', notifications: true },
    { consumers: 1, notifications: true },
    { consumers: 4, notifications: true },
    // Where notifications exist: the same without them, to see what they cost or save.
    { consumers: 4, notifications: false },
  ] as const;
  for (const { consumers, notifications } of cases) {
    const sql = db.open();
    if (!notifications && !sql.capabilities.notifications) {
      await sql.close();
      continue;
    }
    const table = `bench_${tables++}`;
    const events = createEvents(sql, { table, notifications });
    await unwrap(events.migrate());
    const children: ChildProcess[] = [];
    if (consumers === 'in-process') {
      await unwrap(
        events.subscribe('*', () => {}, { group: 'g', partitions, pollIntervalMs: 20, batchSize: 200 }).ready(),
      );
    } else {
      for (let i = 0; i < consumers; i++)
        children.push(await startConsumer(db.target, table, partitions, notifications));
      // Until the processes share the partitions (each takes its share at its next beat).
      for (;;) {
        const owners = new Set((await unwrap(events.checkpoints('g'))).map((c) => c.owner));
        if (owners.size === consumers && !owners.has(undefined)) break;
        await sleep(50);
      }
    }
    const started = performance.now();
    let n = 0;
    const concurrency = sql.capabilities.dialect === 'postgres' ? 8 : 1;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (n < total) {
          const i = n++;
          await unwrap(
            sql.transaction((tx) =>
              events.publish(tx, { type: 'OrderPlaced', aggregateId: `order-${i % 64}`, data: { i } }),
            ),
          );
        }
      }),
    );
    const published = performance.now();
    for (;;) {
      const checkpoints = await unwrap(events.checkpoints('g'));
      // Caught up when no partition has an event after its checkpoint.
      const behind = await unwrap(
        sql.query(
          `SELECT COUNT(*) FROM ${table} e JOIN ${table}_checkpoints c ON c.group_name = 'g' AND c.part = e.bucket % ${partitions} WHERE e.position > c.position`,
        ),
      );
      if (Number(behind.rows[0]?.[0]) === 0 && checkpoints.length > 0) break;
      await sleep(5);
    }
    const delivered = performance.now();
    for (const c of children) c.kill('SIGKILL');
    const label =
      consumers === 'in-process'
        ? '1 consumer in the publishing process'
        : `${consumers} consumer process${consumers > 1 ? 'es' : ''}${notifications ? '' : ', polling only'}`;
    rows.push({ name: `${label}: published`, opsPerSec: (total / (published - started)) * 1000, ratio: 1 });
    rows.push({
      name: `${label}: published and delivered`,
      opsPerSec: (total / (delivered - started)) * 1000,
      ratio: 1,
    });
    await events.close();
    await sql.close();
  }
  const base = rows[1]?.opsPerSec ?? 1;
  printTable(
    `events on ${db.name}: ${total} events published (1 per transaction, ${db.name === 'PostgreSQL' ? 8 : 1} caller${db.name === 'PostgreSQL' ? 's' : ''}) and delivered, ${partitions} partitions`,
    rows.map((r) => ({ ...r, ratio: base / r.opsPerSec })),
  );
}

function startConsumer(
  target: string,
  table: string,
  partitions: number,
  notifications: boolean,
): Promise<ChildProcess> {
  const args = [consumer, target, table, 'g', String(partitions), String(notifications)];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => c.toString().includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`a consumer exited with ${code}`)));
  });
}

/**
 * Transaction begun → handler called, one event at a time every 10 ms: woken in-process; in
 * another connection pool (as another process) woken by `sql.notifications` (PostgreSQL), its
 * poll every 50 ms kept; and the same polling alone.
 */
async function latency(db: Database): Promise<void> {
  const rows = [];
  const modes = [
    { mode: 'in-process wake-up', apart: false, notifications: true },
    { mode: 'another process: notifications (poll every 50 ms kept)', apart: true, notifications: true },
    { mode: 'another process: polling every 50 ms only', apart: true, notifications: false },
  ] as const;
  for (const { mode, apart, notifications } of modes) {
    const sql = db.open();
    if (notifications && apart && !sql.capabilities.notifications) {
      await sql.close();
      continue;
    }
    const table = `bench_${tables++}`;
    const events = createEvents(sql, { table, notifications });
    await unwrap(events.migrate());
    const readerSql = apart ? db.open() : sql;
    const reader = apart ? createEvents(readerSql, { table, notifications }) : events;
    const begun = new Map<number, number>();
    const seen: number[] = [];
    await unwrap(
      reader
        .subscribe(
          '*',
          (e) => {
            const i = (e.data as { i: number }).i;
            seen.push(performance.now() - (begun.get(i) ?? Number.NaN));
          },
          { group: 'latency', partitions: 4, pollIntervalMs: 50 },
        )
        .ready(),
    );
    const count = 300;
    const transactions: number[] = [];
    for (let i = 0; i < count; i++) {
      begun.set(i, performance.now());
      await unwrap(
        sql.transaction((tx) => events.publish(tx, { type: 'Ping', aggregateId: `p${i % 16}`, data: { i } })),
      );
      transactions.push(performance.now() - (begun.get(i) as number));
      await sleep(10);
    }
    while (seen.length < count) await sleep(10);
    rows.push({ mode, p50: quantile(seen, 0.5), p99: quantile(seen, 0.99), tx: quantile(transactions, 0.5) });
    if (reader !== events) await reader.close();
    await events.close();
    if (readerSql !== sql) await readerSql.close();
    await sql.close();
  }
  console.log(`\n### events on ${db.name}: end-to-end latency (transaction begun → handler called), 300 events\n`);
  console.log('| wake-up | p50 ms | p99 ms | the publishing transaction alone, p50 ms |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.mode} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.tx.toFixed(2)} |`);
}

function quantile(list: readonly number[], q: number): number {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
