import { createRequire } from 'node:module';
import { testPostgres, testRedis } from '@keel/testing';
import { Client } from '../test/client.js';
import { startFromSource, stopServer } from './processes.js';

/**
 * The `cluster` profile under load, one process against two: `pnpm --filter @keel/example-saas
 * measure:cluster` (or `npx tsx --conditions keel-source scripts/measure-cluster.ts`). The
 * processes run from source against a fresh database on the machine's PostgreSQL and a fresh key
 * prefix on its Redis (`KEEL_TEST_POSTGRES_URL`, `KEEL_TEST_REDIS_URL`), removed at the end. One
 * autocannon spreads its connections over the processes' ports. Options: MEASURE_DURATION
 * (s, default 10), MEASURE_CONNECTIONS (20), MEASURE_ROUNDS (rounds of one then two, 2).
 */
type AutocannonResult = {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
};
const autocannon = createRequire(import.meta.url)('autocannon') as (
  opts: Record<string, unknown>,
) => Promise<AutocannonResult>;

const duration = Number(process.env.MEASURE_DURATION ?? 10);
const connections = Number(process.env.MEASURE_CONNECTIONS ?? 20);
const rounds = Number(process.env.MEASURE_ROUNDS ?? 2);
const password = 'plum orbit granite 42';

async function main(): Promise<void> {
  const pg = await testPostgres();
  const redis = await testRedis();
  if (!pg.server || !redis.server) throw new Error(`measure-cluster needs the servers: ${pg.skip ?? redis.skip}`);
  const env = {
    KEEL_PROFILE: 'cluster',
    PORT: '0',
    KEEL_SQL_OPTIONS_CONNECTION_STRING: await pg.server.database('saas_measure'),
    KEEL_KV_OPTIONS_URL: redis.server.url,
    KEEL_KV_OPTIONS_KEY_PREFIX: redis.server.prefix('saas-measure'),
    KEEL_MESSAGING_OPTIONS_URL: redis.server.url,
    KEEL_MESSAGING_OPTIONS_KEY_PREFIX: redis.server.prefix('saas-measure-msg'),
    KEEL_APP_RATE_LIMIT_PER_MINUTE: '0',
    KEEL_APP_FREE_PLAN_MAX_TASKS: '100000000',
  };
  const first = await startFromSource(env);
  const second = await startFromSource(env);
  // A process that fails under load says why here.
  for (const [name, started] of [
    ['first', first],
    ['second', second],
  ] as const) {
    started.child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));
    started.child.once('exit', (code, signal) => console.error(`[${name}] exited: ${code ?? signal}`));
  }
  try {
    const client = new Client(first.url);
    const readWs = (await client.signup(`measure-${Date.now()}@example.test`, password)).workspaceId;
    for (let i = 0; i < 20; i++) await client.post(`/api/workspaces/${readWs}/tasks`, { title: `seed task ${i}` });
    const writeWs = (await client.post('/api/workspaces', { name: 'writes' })).body.workspace.id as number;
    const headers = {
      cookie: `__Host-session=${client.cookie('__Host-session')}; __Host-csrf=${client.csrf}`,
      'x-csrf-token': client.csrf as string,
      'content-type': 'application/json',
    };
    console.log(`node ${process.version}, ${duration}s × ${connections} connections per run, ${rounds} rounds\n`);
    console.log('| round | route | processes | req/s | p50 ms | p99 ms | errors + non-2xx |');
    console.log('|---|---|---:|---:|---:|---:|---:|');
    let failures = 0;
    for (let round = 1; round <= rounds; round++) {
      for (const [route, method, path] of [
        ['GET tasks (20 rows, cache hit)', 'GET', `/api/workspaces/${readWs}/tasks`],
        ['POST task', 'POST', `/api/workspaces/${writeWs}/tasks`],
      ] as const) {
        for (const urls of [[first.url], [first.url, second.url]]) {
          const r = await autocannon({
            url: urls.map((u) => u + path),
            method,
            headers,
            connections,
            duration,
            ...(method === 'POST' ? { body: JSON.stringify({ title: 'load task' }) } : {}),
          });
          const bad = r.errors + r.timeouts + r.non2xx;
          failures += bad;
          if (bad > 0) {
            // What a failing answer says, for the log: one more request of the same kind.
            const again = await client
              .at(urls[0] as string)
              .request(method, path, method === 'POST' ? { title: 'x' } : undefined);
            console.error(`${route}: ${again.status} ${JSON.stringify(again.body).slice(0, 300)}`);
          }
          console.log(
            `| ${round} | ${route} | ${urls.length} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${bad} |`,
          );
        }
      }
    }
    console.log(failures === 0 ? '\nzero errors' : `\n${failures} errors or non-2xx answers`);
    if (failures > 0) process.exitCode = 1;
  } finally {
    await stopServer(first.child);
    await stopServer(second.child);
    await pg.server.cleanup();
    await redis.server.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
