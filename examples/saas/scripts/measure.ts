import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '../test/client.js';
import { buildSaasSea } from './build-sea.js';
import { startServer, stopServer } from './processes.js';

/**
 * Issue 8's figures, all in one run: `pnpm --filter @keel/example-saas measure`
 * (or `npx tsx scripts/measure.ts`). Options: MEASURE_DURATION (s, default 10),
 * MEASURE_CONNECTIONS (10), MEASURE_RUNS (start-up runs, 7).
 */
type AutocannonResult = {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
};
const autocannon = createRequire(import.meta.url)('autocannon') as (
  opts: Record<string, unknown>,
) => Promise<AutocannonResult>;

const duration = Number(process.env.MEASURE_DURATION ?? 10);
const connections = Number(process.env.MEASURE_CONNECTIONS ?? 10);
const runs = Number(process.env.MEASURE_RUNS ?? 7);
const password = 'plum orbit granite 42';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'keel-saas-measure-'));
  try {
    console.log(`node ${process.version}, ${duration}s × ${connections} connections per load run\n`);
    const built = await buildSaasSea(join(work, 'build', 'keel-saas'));
    const binary = join(work, 'keel-saas');
    copyFileSync(built.out, binary);
    console.log(
      `binary: ${(statSync(binary).size / 1e6).toFixed(1)} MB (${statSync(binary).size} bytes; bundle ${(built.bundleBytes / 1e6).toFixed(2)} MB, stripped: ${built.stripped}); built in ${(built.ms / 1000).toFixed(1)}s`,
    );

    // Start-up: spawn → first 200 from /health, beside `node -e 0` spawn → exit, interleaved.
    const env = {
      PORT: '0',
      HOME: work,
      KEEL_SEA_CACHE: join(work, '.cache'),
      KEEL_APP_RATE_LIMIT_PER_MINUTE: '0',
      KEEL_APP_FREE_PLAN_MAX_TASKS: '100000000',
    };
    const nodeMs: number[] = [];
    const seaMs: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', '0']);
      const nodeTime = performance.now() - t0;
      const started = await startServer(binary, [], work, env);
      while ((await fetch(`${started.url}/health`).catch(() => undefined))?.status !== 200);
      const seaTime = performance.now() - started.startedAt;
      await stopServer(started.child);
      if (i === 0) continue; // the first run writes the addon cache and creates the data folder
      nodeMs.push(nodeTime);
      seaMs.push(seaTime);
    }
    console.log(
      `start-up, median of ${runs}: node -e 0 ${median(nodeMs).toFixed(0)} ms; executable to first /health 200 ${median(seaMs).toFixed(0)} ms (all: ${seaMs.map((m) => m.toFixed(0)).join(', ')})`,
    );

    // Keel: the executable (default profile: SQLite WAL file, LevelDB, outbox), rate limit off, plan limit out of reach.
    const keel = await startServer(binary, [], work, env);
    const rssAfterStart = rssMb(keel.child.pid as number);
    const client = new Client(keel.url);
    const { workspaceId } = await client.signup(`measure-${Date.now()}@example.test`, password);
    const readWs = workspaceId;
    for (let i = 0; i < 20; i++) await client.post(`/api/workspaces/${readWs}/tasks`, { title: `seed task ${i}` });
    const writeWs = (await client.post('/api/workspaces', { name: 'writes' })).body.workspace.id as number;
    const auth = {
      cookie: `__Host-session=${client.cookie('__Host-session')}; __Host-csrf=${client.csrf}`,
      'x-csrf-token': client.csrf as string,
      'content-type': 'application/json',
    };
    const keelRead = await load(keel.child.pid as number, `${keel.url}/api/workspaces/${readWs}/tasks`, 'GET', auth);
    const keelWrite = await load(keel.child.pid as number, `${keel.url}/api/workspaces/${writeWs}/tasks`, 'POST', auth);
    const seaRule = (await client.get('/api/rules/log')).body as {
      rule: { loadedFrom: string };
      executions: { durationMs: number }[];
    };
    await stopServer(keel.child);
    // The same read without the kv cache (every request goes to SQLite).
    const uncached = await startServer(binary, [], work, { ...env, KEEL_APP_CACHE_TTL_MS: '0' });
    const keelReadUncached = await load(
      uncached.child.pid as number,
      `${uncached.url}/api/workspaces/${readWs}/tasks`,
      'GET',
      auth,
    );
    await stopServer(uncached.child);
    // The same write with the rule in-thread: no worker round trip inside the transaction.
    const inThread = await startServer(binary, [], work, { ...env, KEEL_APP_RULE_MODE: 'in-thread' });
    const keelWriteInThread = await load(
      inThread.child.pid as number,
      `${inThread.url}/api/workspaces/${writeWs}/tasks`,
      'POST',
      auth,
    );
    await stopServer(inThread.child);

    // The same app from source (node + tsx, packages' dist), the plan rule transpiled at start-up instead of embedded.
    const dev = await startServer(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts'],
      fileURLToPath(new URL('..', import.meta.url)),
      { ...env, KEEL_DATA_DIR: join(work, 'dev-data') },
    );
    const devClient = new Client(dev.url);
    const devWs = (await devClient.signup(`measure-dev-${Date.now()}@example.test`, password)).workspaceId;
    const devAuth = {
      cookie: `__Host-session=${devClient.cookie('__Host-session')}; __Host-csrf=${devClient.csrf}`,
      'x-csrf-token': devClient.csrf as string,
      'content-type': 'application/json',
    };
    const devWrite = await load(dev.child.pid as number, `${dev.url}/api/workspaces/${devWs}/tasks`, 'POST', devAuth);
    const devRule = (await devClient.get('/api/rules/log')).body as { executions: { durationMs: number }[] };
    await stopServer(dev.child);

    // Baseline: better-sqlite3 + node:http, same shapes, same 20 rows.
    const baseline = await startServer(
      process.execPath,
      [fileURLToPath(new URL('./baseline-server.mjs', import.meta.url)), join(work, 'baseline.db')],
      fileURLToPath(new URL('..', import.meta.url)),
      {},
    );
    for (let i = 0; i < 20; i++)
      await fetch(`${baseline.url}/api/workspaces/1/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: `seed task ${i}` }),
      });
    const baseRead = await load(baseline.child.pid as number, `${baseline.url}/api/workspaces/1/tasks`, 'GET', {});
    const baseWrite = await load(baseline.child.pid as number, `${baseline.url}/api/workspaces/2/tasks`, 'POST', {
      'content-type': 'application/json',
    });
    await stopServer(baseline.child);

    console.log(`\nRSS after start (executable): ${rssAfterStart.toFixed(0)} MB\n`);
    console.log(
      '| endpoint | server | req/s | p50 ms | p99 ms | errors | non-2xx | peak RSS MB | baseline req/s ÷ Keel req/s |',
    );
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    const row = (name: string, server: string, r: Measured, base?: Measured) =>
      console.log(
        `| ${name} | ${server} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${r.peakRss.toFixed(0)} | ${base ? `${(base.rps / r.rps).toFixed(2)}×` : '—'} |`,
      );
    row('GET tasks (20 rows)', 'Keel executable, kv cache', keelRead, baseRead);
    row('GET tasks (20 rows)', 'Keel executable, no cache', keelReadUncached, baseRead);
    row('GET tasks (20 rows)', 'better-sqlite3 + node:http', baseRead);
    row('POST task', 'Keel executable, wasm rule isolated', keelWrite, baseWrite);
    row('POST task', 'Keel executable, wasm rule in-thread', keelWriteInThread, baseWrite);
    row('POST task', 'Keel from source (tsx), wasm rule isolated', devWrite, baseWrite);
    row('POST task', 'better-sqlite3 + node:http', baseWrite);
    const ruleMs = (r: { executions: { durationMs: number }[] }) =>
      median(r.executions.map((e) => e.durationMs)).toFixed(3);
    console.log(
      `\nwasm rule calls, median of the last ${devRule.executions.length} execution records: executable (${seaRule.rule.loadedFrom}) ${ruleMs(seaRule)} ms, from source ${ruleMs(devRule)} ms`,
    );
    const failures = [keelRead, keelReadUncached, keelWrite, keelWriteInThread, devWrite, baseRead, baseWrite].reduce(
      (n, r) => n + r.errors + r.non2xx,
      0,
    );
    console.log(failures === 0 ? '\nzero errors' : `\n${failures} errors or non-2xx answers`);
    if (failures > 0) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  peakRss: number;
}

async function load(pid: number, url: string, method: string, headers: Record<string, string>): Promise<Measured> {
  let peakRss = rssMb(pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 250);
  const r = await autocannon({
    url,
    method,
    headers,
    connections,
    duration,
    ...(method === 'POST' ? { body: JSON.stringify({ title: 'load task' }) } : {}),
  });
  clearInterval(sampler);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    peakRss,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
