import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRedisKv } from '@keel/adapter-kv-redis';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { createClient } from 'redis';

/**
 * What an operation costs in CPU time, in this process (the client) and in Redis, per operation,
 * with 32 calls in flight. Throughput on a machine that other jobs share moves with their load;
 * CPU time per operation hardly does, and on a machine of its own it is what bounds throughput
 * (the client and the server each on a core). A private redis-server on a free port, so that its
 * CPU time is this bench's alone; skipped without `redis-server` on the PATH.
 */
export async function run(): Promise<void> {
  const port = await freePort();
  let server: ChildProcess;
  try {
    server = await startRedis(port);
  } catch (error) {
    console.log(`\n### redis kv: CPU per operation — skipped: ${(error as Error).message}`);
    return;
  }
  const url = `redis://127.0.0.1:${port}`;
  const info = createClient({ url });
  const raw = createClient({ url });
  const timed = createClient({ url, commandOptions: { timeout: 5000, rejectInFlight: true } });
  await Promise.all([info.connect(), raw.connect(), timed.connect()]);
  const kv = createRedisKv({ url, keyPrefix: 'keel:' });
  const keyv = new Keyv<string>({ store: new KeyvRedis(url), namespace: 'keyv' });
  try {
    const keys = Array.from({ length: 1000 }, (_, i) => `user:${i}`);
    let n = 0;
    const next = () => keys[n++ % keys.length] as string;
    let fresh = 0;
    for (const key of keys) {
      (await kv.set(key, value)).isOk();
      await raw.set(`raw:${key}`, value);
      await keyv.set(key, value);
    }
    const serverCpu = async () => {
      const text = String(await info.sendCommand(['INFO', 'cpu']));
      const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1]);
      return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
    };
    const table = (title: string, cases: Record<string, () => Promise<unknown>>) =>
      cpuTable(`redis kv: CPU per operation, ${title}, 32 concurrent (private redis-server)`, cases, serverCpu);
    await table('get', {
      'raw node-redis get': () => raw.get(`raw:${next()}`),
      "raw node-redis, Keel's client settings": () => timed.get(`raw:${next()}`),
      'keel redis get': async () => (await kv.get(next())).isOk(),
      'keyv 5.6 + @keyv/redis get': () => keyv.get(next()),
    });
    await table('set (overwrite)', {
      'raw node-redis set': () => raw.set(`raw:${next()}`, value),
      "raw node-redis, Keel's client settings": () => timed.set(`raw:${next()}`, value),
      'keel redis set': async () => (await kv.set(next(), value)).isOk(),
      'keyv 5.6 + @keyv/redis set': () => keyv.set(next(), value),
    });
    await table('set of new keys', {
      'raw node-redis set': () => raw.set(`raw:new:${fresh++}`, value),
      'keel redis set': async () => (await kv.set(`new:${fresh++}`, value)).isOk(),
      'keyv 5.6 + @keyv/redis set': () => keyv.set(`new:${fresh++}`, value),
    });
    await table('increment', {
      'raw node-redis incrBy': () => raw.incrBy('raw:counter', 1),
      'keel redis increment': async () => (await kv.increment('counter')).isOk(),
    });
    // The ways a set can keep the index (see redis.bench.ts), with the raw client.
    const script = "redis.call('SET', KEYS[1], ARGV[1]) redis.call('ZADD', KEYS[2], 'NX', 0, ARGV[2]) return 1";
    const sha = await raw.scriptLoad(script);
    await table('ways to keep the index on set', {
      'SET (no index)': () => raw.set(`shape:k:${next()}`, value),
      'SET … XX (Keel: overwrite, key indexed already)': () => raw.set(`shape:k:${next()}`, value, { condition: 'XX' }),
      'EVALSHA: SET + ZADD (Keel: new key)': () => {
        const key = next();
        return raw.evalSha(sha, { keys: [`shape:k:${key}`, 'shape:i'], arguments: [value, key] });
      },
      'MULTI SET ZADD EXEC (node-redis multi())': () => {
        const key = next();
        return raw
          .multi()
          .set(`shape:k:${key}`, value)
          .zAdd('shape:i', { score: 0, value: key }, { condition: 'NX' })
          .exec();
      },
    });
  } finally {
    await Promise.all([kv.close(), keyv.disconnect(), info.close(), raw.close(), timed.close()]);
    server.kill('SIGKILL');
  }
}

const value = '{"id":1,"name":"user 1","plan":"pro","seats":12}';
const concurrency = 32;
const rounds = 7;
const perRound = 16_000;

/** Each case in turn, round by round; the median round's client and server µs per operation. */
async function cpuTable(
  title: string,
  cases: Record<string, () => Promise<unknown>>,
  serverCpu: () => Promise<number>,
): Promise<void> {
  const names = Object.keys(cases);
  const samples = names.map(() => ({ client: [] as number[], server: [] as number[] }));
  const batch = async (fn: () => Promise<unknown>, ops: number) => {
    for (let i = 0; i < ops / concurrency; i++) await Promise.all(Array.from({ length: concurrency }, fn));
  };
  for (const fn of Object.values(cases)) await batch(fn, perRound / 4); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [i, name] of names.entries()) {
      const server0 = await serverCpu();
      const client0 = process.cpuUsage();
      await batch(cases[name] as () => Promise<unknown>, perRound);
      const client = process.cpuUsage(client0);
      const server = (await serverCpu()) - server0;
      samples[i]?.client.push((client.user + client.system) / perRound);
      samples[i]?.server.push(server / perRound);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const rows = names.map((name, i) => ({
    name,
    client: median(samples[i]?.client ?? []),
    server: median(samples[i]?.server ?? []),
  }));
  const width = Math.max(...names.map((name) => name.length), 4);
  const base = rows[0] as (typeof rows)[number];
  console.log(`\n### ${title}\n`);
  console.log(`| ${'case'.padEnd(width)} | client µs/op | server µs/op | client vs first | server vs first |`);
  console.log(`| ${'-'.repeat(width)} | ------------ | ------------ | --------------- | --------------- |`);
  for (const row of rows) {
    const cells = [
      row.client.toFixed(2).padStart(12),
      row.server.toFixed(2).padStart(12),
      `${(row.client / base.client).toFixed(2)}×`.padStart(15),
      `${(row.server / base.server).toFixed(2)}×`.padStart(15),
    ];
    console.log(`| ${row.name.padEnd(width)} | ${cells.join(' | ')} |`);
  }
}

async function startRedis(port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const server = spawn('redis-server', args, { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) => server.once('error', (e) => reject(new Error(e.message))));
  for (let attempt = 0; attempt < 100; attempt++) {
    const probe = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
    probe.on('error', () => undefined);
    const up = await Promise.race([
      probe.connect().then(
        () => true,
        () => false,
      ),
      failed,
    ]);
    if (up) {
      await probe.close();
      return server;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  server.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
