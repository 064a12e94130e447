import { createRedisKv } from '@keel/adapter-kv-redis';
import KeyvRedis from '@keyv/redis';
import { Redis } from 'ioredis';
import Keyv from 'keyv';
import { createClient } from 'redis';
import { createStorage } from 'unstorage';
import redisDriver from 'unstorage/drivers/redis';
import { compare } from './harness.js';

/**
 * Keel's Redis kv against the raw client it is built on (node-redis 6) and the Redis stores a Node
 * user would otherwise pick: keyv 5 + @keyv/redis and unstorage's redis driver (ioredis). First,
 * the two clients side by side, which is how the adapter's client was chosen. Needs the Redis at
 * KEEL_BENCH_REDIS_URL (default redis://127.0.0.1:6379); every key is under `keel-bench:`, removed at the end.
 */
export async function run(): Promise<void> {
  const url = process.env.KEEL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const root = `keel-bench:${process.pid}:`;
  const io = new Redis(url);
  const ioAuto = new Redis(url, { enableAutoPipelining: true });
  const nr = nodeRedis(url);
  await nr.connect();
  // A run stopped with Ctrl-C (or a timeout's SIGTERM) removes its keys too: they are many, and
  // left behind they slow down every SCAN on a Redis that tests share.
  const stopped = async () => {
    await dropKeys(nr, `${root}*`);
    process.exit(130);
  };
  process.once('SIGINT', stopped).once('SIGTERM', stopped);
  try {
    await clients(io, ioAuto, nr, root);
    await stores(url, nr, root);
    await writeShapes(nr, root);
  } finally {
    process.off('SIGINT', stopped).off('SIGTERM', stopped);
    await dropKeys(nr, `${root}*`);
    io.disconnect();
    ioAuto.disconnect();
    await nr.close();
  }
}

/** Deletes every key matching `pattern`, on the server. */
function dropKeys(nr: NodeRedis, pattern: string): Promise<unknown> {
  const script = "local n=0 for _,k in ipairs(redis.call('KEYS',ARGV[1])) do n=n+redis.call('DEL',k) end return n";
  return nr.eval(script, { arguments: [pattern] });
}

const nodeRedis = (url: string) => createClient({ url });
type NodeRedis = ReturnType<typeof nodeRedis>;
const count = 1000;
const timedName = "raw node-redis, Keel's client settings";
const value = '{"id":1,"name":"user 1","plan":"pro","seats":12}';

function keyRing(prefix: string): () => string {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  let n = 0;
  return () => keys[n++ % count] as string;
}

/** `concurrency` calls at once, awaited together: one bench call counts as that many operations. */
function parallel(concurrency: number, fn: () => Promise<unknown>) {
  return { fn: () => Promise.all(Array.from({ length: concurrency }, fn)), opsPerCall: concurrency };
}

async function clients(io: Redis, ioAuto: Redis, nr: NodeRedis, root: string): Promise<void> {
  const next = keyRing(`${root}client:`);
  for (let i = 0; i < count; i++) await nr.set(next(), value);
  await compare('redis clients: get, one at a time', [
    { name: 'node-redis 6.4 get', fn: () => nr.get(next()) },
    { name: 'ioredis 6.1 get', fn: () => io.get(next()) },
  ]);
  await compare('redis clients: set, one at a time', [
    { name: 'node-redis 6.4 set', fn: () => nr.set(next(), value) },
    { name: 'ioredis 6.1 set', fn: () => io.set(next(), value) },
  ]);
  await compare('redis clients: get, 32 concurrent', [
    { name: 'node-redis 6.4 get', ...parallel(32, () => nr.get(next())) },
    { name: 'ioredis 6.1 get', ...parallel(32, () => io.get(next())) },
    { name: 'ioredis 6.1 get (enableAutoPipelining)', ...parallel(32, () => ioAuto.get(next())) },
  ]);
  await compare('redis clients: set, 32 concurrent', [
    { name: 'node-redis 6.4 set', ...parallel(32, () => nr.set(next(), value)) },
    { name: 'ioredis 6.1 set', ...parallel(32, () => io.set(next(), value)) },
    { name: 'ioredis 6.1 set (enableAutoPipelining)', ...parallel(32, () => ioAuto.set(next(), value)) },
  ]);
  await compare('redis clients: explicit pipeline of 32 gets', [
    {
      name: 'node-redis 6.4 multi().execAsPipeline()',
      fn: () => {
        const batch = nr.multi();
        for (let i = 0; i < 32; i++) batch.get(next());
        return batch.execAsPipeline();
      },
      opsPerCall: 32,
    },
    {
      name: 'ioredis 6.1 pipeline().exec()',
      fn: () => {
        const batch = io.pipeline();
        for (let i = 0; i < 32; i++) batch.get(next());
        return batch.exec();
      },
      opsPerCall: 32,
    },
  ]);
}

async function stores(url: string, nr: NodeRedis, root: string): Promise<void> {
  const kv = createRedisKv({ url, keyPrefix: `${root}keel:` });
  // The raw client as Keel configures it: a per-call timeout that also runs after the command is
  // written (`rejectInFlight`), so that a reply that never comes fails the call. The floor for Keel.
  const timed = createClient({ url, commandOptions: { timeout: 5000, rejectInFlight: true } });
  await timed.connect();
  const keyv = new Keyv<string>({ store: new KeyvRedis(url), namespace: `${root}keyv` });
  const storage = createStorage({ driver: redisDriver({ url, base: `${root}unstorage` }) });
  const next = keyRing('user:');
  const rawNext = keyRing(`${root}raw:user:`);
  for (let i = 0; i < count; i++) {
    const key = next();
    (await kv.set(key, value)).isOk();
    await nr.set(rawNext(), value);
    await keyv.set(key, value);
    await storage.setItem(key, value);
  }
  await compare('redis kv: get (1000 keys, ~50 B values), one at a time', [
    { name: 'raw node-redis get', fn: () => nr.get(rawNext()) },
    { name: timedName, fn: () => timed.get(rawNext()) },
    { name: 'keel redis get', fn: async () => (await kv.get(next())).isOk() },
    { name: 'keyv 5.6 + @keyv/redis get', fn: () => keyv.get(next()) },
    { name: 'unstorage 1.17 redis getItem', fn: () => storage.getItem(next()) },
  ]);
  await compare('redis kv: set, one at a time', [
    { name: 'raw node-redis set', fn: () => nr.set(rawNext(), value) },
    { name: timedName, fn: () => timed.set(rawNext(), value) },
    { name: 'keel redis set', fn: async () => (await kv.set(next(), value)).isOk() },
    { name: 'keyv 5.6 + @keyv/redis set', fn: () => keyv.set(next(), value) },
    { name: 'unstorage 1.17 redis setItem', fn: () => storage.setItem(next(), value) },
  ]);
  await compare('redis kv: get, 32 concurrent', [
    { name: 'raw node-redis get', ...parallel(32, () => nr.get(rawNext())) },
    { name: timedName, ...parallel(32, () => timed.get(rawNext())) },
    { name: 'keel redis get', ...parallel(32, async () => (await kv.get(next())).isOk()) },
    { name: 'keyv 5.6 + @keyv/redis get', ...parallel(32, () => keyv.get(next())) },
    { name: 'unstorage 1.17 redis getItem', ...parallel(32, () => storage.getItem(next())) },
  ]);
  await compare('redis kv: set, 32 concurrent', [
    { name: 'raw node-redis set', ...parallel(32, () => nr.set(rawNext(), value)) },
    { name: timedName, ...parallel(32, () => timed.set(rawNext(), value)) },
    { name: 'keel redis set', ...parallel(32, async () => (await kv.set(next(), value)).isOk()) },
    { name: 'keyv 5.6 + @keyv/redis set', ...parallel(32, () => keyv.set(next(), value)) },
    { name: 'unstorage 1.17 redis setItem', ...parallel(32, () => storage.setItem(next(), value)) },
  ]);
  // A set of a key that does not exist yet: for Keel a SET … XX that finds nothing, then the script
  // that adds the key to the scan index too (an overwrite is the SET … XX alone).
  let fresh = 0;
  const newKey = () => `new:${fresh++}`;
  await compare('redis kv: set of new keys, one at a time', [
    { name: 'raw node-redis set', fn: () => nr.set(`${root}raw:${newKey()}`, value) },
    { name: 'keel redis set', fn: async () => (await kv.set(newKey(), value)).isOk() },
    { name: 'keyv 5.6 + @keyv/redis set', fn: () => keyv.set(newKey(), value) },
    { name: 'unstorage 1.17 redis setItem', fn: () => storage.setItem(newKey(), value) },
  ]);
  await compare('redis kv: set of new keys, 32 concurrent', [
    { name: 'raw node-redis set', ...parallel(32, () => nr.set(`${root}raw:${newKey()}`, value)) },
    { name: 'keel redis set', ...parallel(32, async () => (await kv.set(newKey(), value)).isOk()) },
    { name: 'keyv 5.6 + @keyv/redis set', ...parallel(32, () => keyv.set(newKey(), value)) },
    { name: 'unstorage 1.17 redis setItem', ...parallel(32, () => storage.setItem(newKey(), value)) },
  ]);
  // Gone again, so that the scans below (SCAN walks the whole database) see the database as before.
  await dropKeys(nr, `${root}*new:*`);
  await nr.zRemRangeByLex(`${root}keel:i`, '[new:', '(new;');
  // Neither peer has an atomic increment: they read and write back (two round trips, racy).
  await compare('redis kv: increment (peers: get + set, not atomic)', [
    { name: 'raw node-redis incrBy', fn: () => nr.incrBy(`${root}raw:counter`, 1) },
    { name: 'keel redis increment', fn: async () => (await kv.increment('counter')).isOk() },
    {
      name: 'keyv 5.6 + @keyv/redis get + set',
      fn: async () => keyv.set('counter', String(Number((await keyv.get('counter')) ?? 0) + 1)),
    },
    {
      name: 'unstorage 1.17 redis getItem + setItem',
      fn: async () => storage.setItem('counter', Number((await storage.getItem('counter')) ?? 0) + 1),
    },
  ]);
  // A compare-and-swap the raw client does itself: WATCH, GET, MULTI/SET/EXEC. The peers have none.
  let version = 0n;
  (await kv.set('cas', version)).isOk();
  await nr.set(`${root}raw:cas`, '0');
  const watched = nr.duplicate();
  await watched.connect();
  await compare('redis kv: compare-and-swap (peers have none)', [
    {
      name: 'raw node-redis WATCH/GET/MULTI/SET/EXEC',
      fn: async () => {
        const key = `${root}raw:cas`;
        await watched.watch(key);
        const current = await watched.get(key);
        return watched
          .multi()
          .set(key, String(Number(current) + 1))
          .exec();
      },
    },
    { name: 'keel redis compareAndSwap', fn: async () => (await kv.compareAndSwap('cas', version, ++version)).isOk() },
  ]);
  await watched.close();
  await scanPage(nr, kv, storage, root, url);
  await Promise.all([kv.close(), keyv.disconnect(), storage.dispose(), timed.close()]);
}

/** One page of 100 entries with values: Keel's ordered index against SCAN-based listings (unordered). */
async function scanPage(
  nr: NodeRedis,
  kv: ReturnType<typeof createRedisKv>,
  storage: ReturnType<typeof createStorage>,
  root: string,
  url: string,
): Promise<void> {
  const page = 100;
  for (let i = 0; i < page; i++) await nr.set(`${root}page:${String(i).padStart(3, '0')}`, value);
  const pageKeyv = new Keyv<string>({
    store: new KeyvRedis(url),
    namespace: `${root}keyv-page`,
  });
  for (let i = 0; i < page; i++) await pageKeyv.set(String(i), value);
  for (let i = 0; i < page; i++) await storage.setItem(`page:${i}`, value);
  await compare('redis kv: scan a page of 100 entries with values (entries/s)', [
    {
      name: 'raw node-redis SCAN MATCH + MGET (unordered)',
      fn: async () => {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const reply = await nr.scan(cursor, { MATCH: `${root}page:*`, COUNT: 1000 });
          cursor = reply.cursor;
          keys.push(...reply.keys);
        } while (cursor !== '0');
        return nr.mGet(keys);
      },
      opsPerCall: page,
    },
    {
      name: 'keel redis scan (limit 100, ordered)',
      fn: async () => (await kv.scan({ prefix: 'user:1', limit: 100 })).isOk(),
      opsPerCall: 100,
    },
    {
      name: 'keyv 5.6 + @keyv/redis iterator (unordered)',
      fn: async () => {
        for await (const entry of pageKeyv.iterator?.(undefined) ?? []) void entry;
      },
      opsPerCall: page,
    },
    {
      name: 'unstorage 1.17 redis getKeys + getItems (unordered)',
      fn: async () => storage.getItems(await storage.getKeys('page')),
      opsPerCall: page,
    },
  ]);
  await pageKeyv.disconnect();
}

/**
 * How a write can keep the scan index, against an index of 100k keys, with the raw client: a
 * plain command (no index, the floor), Keel's shapes (SET … XX when the key exists, a Lua script
 * otherwise, a script for a delete) and the atomic alternative without Lua, MULTI … EXEC, which
 * node-redis sends in one write. Why Keel's writes are what they are.
 */
async function writeShapes(nr: NodeRedis, root: string): Promise<void> {
  const next = keyRing('shape:');
  const data = (key: string) => `${root}shape:k:${key}`;
  const idx = `${root}shape:i`;
  const setIndexed = "redis.call('SET', KEYS[1], ARGV[1]) redis.call('ZADD', KEYS[2], 'NX', 0, ARGV[2]) return 1";
  const delIndexed = "local n = redis.call('DEL', KEYS[1]) redis.call('ZREM', KEYS[2], ARGV[1]) return n";
  const setSha = await nr.scriptLoad(setIndexed);
  const delSha = await nr.scriptLoad(delIndexed);
  // The index holds 100k members, so that ZADD/ZREM pay their O(log n).
  for (let i = 0; i < 100_000; i += 1000) {
    await nr.zAdd(
      idx,
      Array.from({ length: 1000 }, (_, j) => ({ score: 0, value: `filler:${i + j}` })),
    );
  }
  for (let i = 0; i < count; i++) await nr.set(data(next()), value);
  const sets = {
    'SET (no index)': () => nr.set(data(next()), value),
    'SET … XX (Keel: overwrite, key indexed already)': () => nr.set(data(next()), value, { condition: 'XX' }),
    'EVALSHA: SET + ZADD (Keel: new key)': () => {
      const key = next();
      return nr.evalSha(setSha, { keys: [data(key), idx], arguments: [value, key] });
    },
    'MULTI SET ZADD EXEC (node-redis multi())': () => {
      const key = next();
      return nr.multi().set(data(key), value).zAdd(idx, { score: 0, value: key }, { condition: 'NX' }).exec();
    },
  };
  const deletes = {
    'DEL (no index)': () => nr.del(data(next())),
    'EVALSHA: DEL + ZREM (Keel)': () => {
      const key = next();
      return nr.evalSha(delSha, { keys: [data(key), idx], arguments: [key] });
    },
    'MULTI DEL ZREM EXEC (node-redis multi())': () => {
      const key = next();
      return nr.multi().del(data(key)).zRem(idx, key).exec();
    },
  };
  for (const [name, shapes] of [
    ['set', sets],
    ['delete', deletes],
  ] as const) {
    const cases = Object.entries(shapes);
    await compare(
      `redis kv: ways to keep the index on ${name}, one at a time`,
      cases.map(([caseName, fn]) => ({ name: caseName, fn })),
    );
    await compare(
      `redis kv: ways to keep the index on ${name}, 32 concurrent`,
      cases.map(([caseName, fn]) => ({ name: caseName, ...parallel(32, fn) })),
    );
  }
}
