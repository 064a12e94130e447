import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import { sqliteAdapter } from '@keel/adapter-sqlite';
import { createKeel, type Keel, type KeelConfig, type Kv, type Sql } from '@keel/core';
import { context, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider as SdkMeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { compare, type BenchCase, type BenchRow } from './harness.js';
import { todaysAdapters } from './todays-guard.js';

// The bench package has no @types/better-sqlite3; these are the few members it uses.
interface RawStatement {
  get(...params: unknown[]): unknown;
  raw(on?: boolean): RawStatement;
}
interface RawDatabase {
  prepare(statement: string): RawStatement;
  exec(script: string): void;
  pragma(pragma: string): unknown;
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (filename: string) => RawDatabase;

const rows = 10_000;
const schema = `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INTEGER NOT NULL);
  INSERT INTO users (id, name, score) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT ${rows})
  SELECT x, 'user ' || x, x * 7 FROM c;`;
const select = 'SELECT id, name, score FROM users WHERE id = ?';

/**
 * What observing costs core's guard, per kv get (memory) and sql point select (sqlite, WAL
 * file): today's guard (before observability), observability off in config, on with the
 * OpenTelemetry API and no SDK, on with the in-process Prometheus aggregation and slow
 * thresholds, and on with the SDK (traces and metrics) exporting nowhere or through the batch
 * processor to an OTLP/HTTP receiver in another process. The guard's overhead is each row's
 * time per call minus the raw library's. Times are the process's CPU time (user + system, GC
 * threads included), which a machine shared with other work disturbs less than the wall clock.
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-observability-'));
  console.log(
    `load average at the start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (${cpus().length} CPUs)`,
  );
  const today = await todaysAdapters();
  let n = 0;
  const app = async (observability: KeelConfig['observability'], providers: Providers = {}) => {
    const filename = join(dir, `keel-${n++}.db`);
    const started = await createKeel(
      { kv: { adapter: 'memory' }, sql: { adapter: 'sqlite', options: { filename } }, observability },
      { adapters: [memoryKvAdapter, sqliteAdapter], env: false, ...providers },
    );
    return started._unsafeUnwrap() as Keel;
  };
  const apps: Keel[] = [];
  const variant = async (name: string, observability: KeelConfig['observability'], providers?: Providers) => {
    const a = await app(observability, providers);
    apps.push(a);
    return ready({ name, kv: a.kv, sql: a.sql });
  };

  const keys = Array.from({ length: 10_000 }, (_, i) => `user:${i}`);
  const map = new Map(keys.map((k) => [k, k]));
  const raw = new Database(join(dir, 'raw.db'));
  raw.pragma('journal_mode = wal');
  raw.pragma('synchronous = normal');
  raw.exec(schema);
  // Rows as arrays, as Keel's adapter reads them: the same work in the driver.
  const rawGet = raw.prepare(select).raw(true);
  const ready = async (v: Variant): Promise<Variant> => {
    for (const key of keys) (await v.kv.set(key, key))._unsafeUnwrap();
    (await v.sql.executeScript(schema))._unsafeUnwrap();
    // Every row reads the same value before anything is timed: an Err would count as an op.
    if ((await v.kv.get('user:42'))._unsafeUnwrap() !== 'user:42') throw new Error(`${v.name}: kv read`);
    const read = (await v.sql.query(select, [42]))._unsafeUnwrap().rows[0];
    if (JSON.stringify(read) !== JSON.stringify([42, 'user 42', 294])) throw new Error(`${v.name}: sql read`);
    return v;
  };

  // Phase one has no SDK in the process at all; phase two adds the rest.
  const variants: Variant[] = [];
  if (today) {
    const sql = today.createSqliteSql({ filename: join(dir, 'today.db') });
    variants.push(
      await ready({ name: `today's guard (${today.commit.slice(0, 7)})`, kv: today.createMemoryKv(), sql }),
    );
  }
  variants.push(await variant('off (enabled: false)', { enabled: false }), await variant('on, API without an SDK', {}));
  const offCost = [...variants];
  let i = 0;
  const nextKey = () => keys[i++ % keys.length] as string;
  const nextId = () => (i = (i * 7919 + 1) % rows) + 1;
  const kvCase = (v: Variant): BenchCase => ({
    name: `keel kv.get: ${v.name}`,
    fn: async () => (await v.kv.get(nextKey())).isOk(),
  });
  const sqlCase = (v: Variant): BenchCase => ({
    name: `keel sql.query: ${v.name}`,
    fn: async () => (await v.sql.query(select, [nextId()])).isOk(),
  });
  const syncCase = (v: Variant): BenchCase => ({
    name: `keel kv.sync.get: ${v.name}`,
    fn: () => v.kv.sync?.get(nextKey()).isOk(),
  });
  const rawKv: BenchCase = { name: 'raw Map.get (awaited)', fn: async () => map.get(nextKey()) };
  const rawSql: BenchCase = { name: 'raw better-sqlite3 .get() (awaited)', fn: async () => rawGet.get(nextId()) };
  const rawSync: BenchCase = { name: 'raw Map.get (sync)', fn: () => map.get(nextKey()) };

  // First the off-cost, before any SDK exists: an SDK's context manager turns on promise hooks
  // for the whole process, and its spans make garbage and other shapes in the shared guard code.
  const precise = { rounds: 15, roundMs: 200, clock: 'cpu' } as const;
  console.log('\n## The off-cost: no SDK anywhere in the process yet');
  overheads('kv get', await compare('off-cost: kv get (memory), awaited', [rawKv, ...offCost.map(kvCase)], precise));
  overheads(
    'sql point select',
    await compare('off-cost: sql point SELECT (sqlite, WAL file), awaited', [rawSql, ...offCost.map(sqlCase)], precise),
  );
  overheads(
    'kv.sync get',
    await compare('off-cost: kv.sync.get (memory)', [rawSync, ...offCost.map(syncCase)], precise),
  );

  // An app with an SDK registers a context manager (spans follow awaits): from here on, for every row alike.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const receiver = await startReceiver();
  const discard: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => undefined };
  const noop = sdk(discard);
  const batch = sdk(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }));
  variants.push(
    await variant('on, no SDK, prometheus + slowMs', { prometheus: true, slowMs: { kv: 1000, sql: 1000 } }),
    await variant('on, SDK, batch, no-op exporter', {}, noop.providers),
    await variant('on, SDK, batch, OTLP/HTTP exporter', {}, batch.providers),
  );
  const batchApp = apps.at(-1) as Keel;
  console.log('\n## Every row side by side, the SDK ones included (an async-hooks context manager registered)');
  const all = { clock: 'cpu' } as const;
  overheads('kv get', await compare('observability: kv get (memory), awaited', [rawKv, ...variants.map(kvCase)], all));
  overheads(
    'sql point select',
    await compare('observability: sql point SELECT (sqlite, WAL file), awaited', [rawSql, ...variants.map(sqlCase)], {
      ...all,
      rounds: 9,
    }),
  );
  overheads(
    'kv.sync get',
    await compare('observability: kv.sync.get (memory)', [rawSync, ...variants.map(syncCase)], all),
  );

  const errors = (await batchApp.observability.metricsText()).match(/keel_telemetry_errors_total (\d+)/)?.[1];
  for (const v of variants) {
    await v.kv.close();
    await v.sql.close();
  }
  for (const a of apps) await a.close();
  await Promise.all([noop.shutdown(), batch.shutdown()]);
  await receiver.refresh();
  console.log(
    `\nOTLP receiver: ${receiver.requests()} export request(s), ${receiver.bytes()} bytes; telemetry errors: ${errors ?? '?'}`,
  );
  receiver.stop();
  raw.close();
  rmSync(dir, { recursive: true, force: true });
}

interface Variant {
  readonly name: string;
  readonly kv: Kv;
  readonly sql: Sql;
}

interface Providers {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

/**
 * Traces and metrics through the SDK: spans through the batch processor (what production uses)
 * to the exporter given, metrics kept by a reader that never exports.
 */
function sdk(exporter: SpanExporter) {
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new SdkMeterProvider({ readers: [reader] });
  return {
    providers: { tracerProvider, meterProvider } satisfies Providers,
    shutdown: () => Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]),
  };
}

/** The guard's overhead per call (time minus the raw row's) and against today's guard. */
function overheads(what: string, rows: readonly BenchRow[]): void {
  const ns = (r: BenchRow) => 1e9 / r.opsPerSec;
  const raw = rows[0] as BenchRow;
  const base = rows.find((r) => r.name.includes("today's guard")) ?? rows.find((r) => r.name.includes('off'));
  const baseOverhead = base ? ns(base) - ns(raw) : Number.NaN;
  console.log(`\nguard overhead per ${what} (time per call minus the raw row's):\n`);
  const label = (r: BenchRow) => r.name.slice(r.name.indexOf(': ') + 2);
  console.log(`| case | ns per call | overhead ns | overhead vs ${base ? label(base) : 'base'} |`);
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of rows.slice(1)) {
    const overhead = ns(r) - ns(raw);
    console.log(
      `| ${label(r)} | ${ns(r).toFixed(0)} | ${overhead.toFixed(0)} | ${((overhead / baseOverhead - 1) * 100).toFixed(1)}% |`,
    );
  }
}

/** A tiny OTLP/HTTP receiver in its own process, so that receiving costs the bench's thread nothing. */
async function startReceiver() {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `let requests = 0, bytes = 0;
       const server = require('node:http').createServer((req, res) => {
         if (req.url === '/stats') return res.end(JSON.stringify({ requests, bytes }));
         requests++;
         req.on('data', (c) => (bytes += c.length)).on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
       });
       server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
       process.stdin.on('end', () => process.exit(0)).resume();`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d))));
  const url = `http://127.0.0.1:${port}`;
  let stats = { requests: 0, bytes: 0 };
  const poll = async () => {
    stats = (await (await fetch(`${url}/stats`)).json()) as typeof stats;
  };
  return {
    url,
    requests: () => stats.requests,
    bytes: () => stats.bytes,
    refresh: poll,
    stop: () => child.stdin.end(),
  };
}
