import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLevelKv } from '@keel/adapter-kv-level';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createRedisKv } from '@keel/adapter-kv-redis';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { type Cache, createCache } from '@keel/cache';
import { type Kv, rowsToObjects, type Sql } from '@keel/core';
import KeyvRedis from '@keyv/redis';
import { createCache as createCacheManager } from 'cache-manager';
import Keyv from 'keyv';
import { createClient } from 'redis';
import { compare } from './harness.js';

/**
 * @keel/cache on a Zipf(1.0) read workload over 10k rows whose loader is a real SQLite query
 * through Keel's sql: the hit ratio and the queries saved for caches sized by their TTL, the cost
 * of a hit against the query itself and against keyv (cache-aside by hand) and cache-manager
 * (`wrap`), and a stampede of 1,000 concurrent misses. Redis: KEEL_BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379), keys under `keel-bench:cache:<pid>:`, removed at the end.
 */
export async function run(): Promise<void> {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  console.log(`\n## @keel/cache — load average ${one} / ${five} / ${fifteen} (1/5/15 min)`);
  const folder = mkdtempSync(join(tmpdir(), 'keel-bench-cache-'));
  const url = process.env.KEEL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `keel-bench:cache:${process.pid}:`;
  const sql = createSqliteSql({ filename: join(folder, 'items.db') });
  const redisKvs: Kv[] = [];
  const redisKv = () => {
    const kv = createRedisKv({ url, keyPrefix: prefix });
    redisKvs.push(kv);
    return kv;
  };
  try {
    await seed(sql);
    for (const [name, section] of [
      ['hit ratios', () => hitRatios(sql)],
      ['hit cost', () => hitCost(sql, folder, redisKv, url, prefix)],
      ['stampede', () => stampede(sql, folder, redisKv, url, prefix)],
    ] as const) {
      const start = performance.now();
      await section();
      console.log(`\n(${name}: ${((performance.now() - start) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await Promise.all(redisKvs.map((kv) => kv.close()));
    const client = createClient({ url });
    await client.connect();
    const script = "local n=0 for _,k in ipairs(redis.call('KEYS',ARGV[1])) do n=n+redis.call('DEL',k) end return n";
    await client.eval(script, { arguments: [`${prefix}*`] });
    await client.close();
    await sql.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

const KEYS = 10_000;

interface Item {
  id: number;
  name: string;
  price: number;
}

async function seed(sql: Sql): Promise<void> {
  const script = `
    CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${KEYS - 1})
    INSERT INTO items SELECT i, 'item ' || i, i * 7 FROM n;`;
  (await sql.executeScript(script))._unsafeUnwrap();
}

/** The loader every cache uses: one SQLite query through Keel's sql, counted. */
function database(sql: Sql) {
  let queries = 0;
  return {
    queries: () => queries,
    async load(id: number): Promise<Item | undefined> {
      queries++;
      const result = (await sql.query('SELECT id, name, price FROM items WHERE id = ?', [id]))._unsafeUnwrap();
      return rowsToObjects(result)[0] as Item | undefined;
    },
  };
}

/** Item ids drawn by Zipf(1.0) over 10k keys (id 0 the most popular), from a seeded generator. */
function zipf(seed = 42): () => number {
  const cdf = new Float64Array(KEYS);
  let sum = 0;
  for (let k = 1; k <= KEYS; k++) cdf[k - 1] = sum += 1 / k;
  for (let i = 0; i < KEYS; i++) cdf[i] = (cdf[i] as number) / sum;
  let state = seed >>> 0;
  const random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = random();
    let lo = 0;
    let hi = KEYS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * A cache in kv is sized by its TTL: it holds the keys read within the last `ttlMs`. Time here is
 * a manual clock moved 1 ms per read (1,000 reads/s), so the figures are exact and repeatable; an
 * LRU holding the same number of entries (a Map, the usual bounded in-process cache) is the reference.
 */
async function hitRatios(sql: Sql): Promise<void> {
  const reads = 200_000;
  const warmUp = 100_000;
  console.log(
    `\n### Hit ratio, Zipf(1.0) over ${KEYS.toLocaleString('en-US')} keys, ${reads.toLocaleString('en-US')} reads after ${warmUp.toLocaleString('en-US')} of warm-up, at 1,000 reads/s\n`,
  );
  console.log('| cache | entries held (avg) | hit ratio | SQLite queries | queries saved |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const ttlSeconds of [5, 30, 300]) {
    let time = 0;
    const kv = createMemoryKv({ clock: { now: () => time } });
    const cache = createCache(kv, { ttlMs: ttlSeconds * 1000 });
    const db = database(sql);
    const next = zipf();
    let held = 0;
    let samples = 0;
    let queriesBefore = 0;
    for (let i = 0; i < warmUp + reads; i++) {
      if (i === warmUp) queriesBefore = db.queries();
      const id = next();
      (await cache.getOrSet(`item:${id}`, () => db.load(id)))._unsafeUnwrap();
      time++;
      if (i >= warmUp && i % 10_000 === 0) {
        held += await countEntries(kv);
        samples++;
      }
    }
    const queries = db.queries() - queriesBefore;
    const size = Math.round(held / samples);
    row(`@keel/cache on kv-memory, ttlMs ${ttlSeconds * 1000}`, size, reads, queries);
    row(`LRU of ${size.toLocaleString('en-US')} entries (reference)`, size, reads, lruQueries(size, warmUp, reads));
    await kv.close();
  }
}

function row(name: string, size: number, reads: number, queries: number): void {
  const ratio = ((1 - queries / reads) * 100).toFixed(1);
  const saved = (reads - queries).toLocaleString('en-US');
  console.log(
    `| ${name} | ${size.toLocaleString('en-US')} | ${ratio}% | ${queries.toLocaleString('en-US')} | ${saved} |`,
  );
}

async function countEntries(kv: Kv): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = (await kv.scan({ prefix: 'cache:e:', limit: 10_000, cursor }))._unsafeUnwrap();
    count += page.entries.length;
    cursor = page.cursor;
  } while (cursor !== undefined);
  return count;
}

/** Misses of an LRU of `size` entries on the same sequence of ids. */
function lruQueries(size: number, warmUp: number, reads: number): number {
  const lru = new Map<number, true>();
  const next = zipf();
  let misses = 0;
  for (let i = 0; i < warmUp + reads; i++) {
    const id = next();
    if (lru.delete(id)) lru.set(id, true);
    else {
      if (i >= warmUp) misses++;
      lru.set(id, true);
      if (lru.size > size) lru.delete(lru.keys().next().value as number);
    }
  }
  return misses;
}

type RedisKv = () => Kv;

/** One Zipf read at a time through each, every cache warmed with all 10k rows first. */
async function hitCost(sql: Sql, folder: string, redisKv: RedisKv, url: string, prefix: string): Promise<void> {
  const db = database(sql);
  const level = createLevelKv({ location: join(folder, 'level-hits') });
  const memoryKv = createMemoryKv();
  const redis = redisKv();
  const keel = {
    memory: createCache(memoryKv),
    level: createCache(level),
    redis: createCache(redis, { prefix: 'hits:' }),
  };
  const keyvMemory = new Keyv<Item>();
  const keyvRedis = new Keyv<Item>({ store: new KeyvRedis(url), namespace: `${prefix}keyv-hits` });
  const manager = createCacheManager({ stores: [new Keyv()] });
  const ttl = 300_000;
  const byHand = (keyv: Keyv<Item>) => async (id: number) => {
    const found = await keyv.get(`item:${id}`);
    if (found !== undefined) return found;
    const item = (await db.load(id)) as Item;
    await keyv.set(`item:${id}`, item, ttl);
    return item;
  };
  const keelRead = (cache: Cache) => (id: number) => cache.getOrSet(`item:${id}`, () => db.load(id));
  const reads = {
    keelMemory: keelRead(keel.memory),
    keelLevel: keelRead(keel.level),
    keelRedis: keelRead(keel.redis),
    keyvMemory: byHand(keyvMemory),
    keyvRedis: byHand(keyvRedis),
    manager: (id: number) => manager.wrap(`item:${id}`, () => db.load(id), ttl),
  };
  for (let id = 0; id < KEYS; id++) await Promise.all(Object.values(reads).map((read) => read(id)));
  const each = (read: (id: number) => unknown) => {
    const next = zipf(7);
    return () => read(next());
  };
  await compare('A Zipf read, cache warm (in memory)', [
    { name: 'no cache: SQLite query through keel.sql', fn: each((id) => db.load(id)) },
    { name: '@keel/cache getOrSet on kv-memory', fn: each(reads.keelMemory) },
    { name: 'keyv 5.6 memory, cache-aside by hand', fn: each(reads.keyvMemory) },
    { name: 'cache-manager 7.2 wrap on keyv memory', fn: each(reads.manager) },
    { name: '@keel/cache getOrSet on kv-level', fn: each(reads.keelLevel) },
    { name: '(the kv alone: kv-memory get of the entry)', fn: each((id) => memoryKv.get(`cache:e:item:${id}`)) },
  ]);
  await compare('A Zipf read, cache warm (Redis)', [
    { name: 'no cache: SQLite query through keel.sql', fn: each((id) => db.load(id)) },
    { name: '@keel/cache getOrSet on kv-redis', fn: each(reads.keelRedis) },
    { name: 'keyv 5.6 + @keyv/redis, cache-aside by hand', fn: each(reads.keyvRedis) },
    { name: '(the kv alone: kv-redis get of the entry)', fn: each((id) => redis.get(`hits:e:item:${id}`)) },
  ]);
  await keyvRedis.disconnect();
  await level.close();
}

/** 1,000 callers miss the same key at once; the query takes 20 ms more (a slow one). */
async function stampede(sql: Sql, folder: string, redisKv: RedisKv, url: string, prefix: string): Promise<void> {
  console.log('\n### Stampede: 1,000 concurrent misses of one key (a 20 ms query)\n');
  console.log('| cache | queries | time |');
  console.log('| --- | --- | --- |');
  const level = createLevelKv({ location: join(folder, 'level-stampede') });
  const shared = redisKv();
  const cases: [string, () => ((id: number, load: () => Promise<unknown>) => Promise<unknown>)[]][] = [
    ['@keel/cache on kv-memory', () => [keelCall(createCache(createMemoryKv()))]],
    ['@keel/cache on kv-level', () => [keelCall(createCache(level, { prefix: 'stampede:' }))]],
    ['@keel/cache on kv-redis', () => [keelCall(createCache(redisKv(), { prefix: 'stampede-1:' }))]],
    [
      '@keel/cache on kv-redis, 2 caches (as 2 processes) × 500',
      () => [
        keelCall(createCache(shared, { prefix: 'stampede-2:' })),
        keelCall(createCache(redisKv(), { prefix: 'stampede-2:' })),
      ],
    ],
    ['keyv 5.6 memory, cache-aside by hand', () => [keyvCall(new Keyv())]],
    ['cache-manager 7.2 wrap on keyv memory', () => [managerCall(createCacheManager({ stores: [new Keyv()] }))]],
    [
      'cache-manager 7.2 wrap on @keyv/redis, 2 caches × 500',
      () => {
        const store = () => new Keyv({ store: new KeyvRedis(url), namespace: `${prefix}cm-stampede` });
        return [
          managerCall(createCacheManager({ stores: [store()] })),
          managerCall(createCacheManager({ stores: [store()] })),
        ];
      },
    ],
  ];
  for (const [name, make] of cases) {
    const db = database(sql);
    const callers = make();
    const load = async () => {
      const item = await db.load(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return item;
    };
    const start = performance.now();
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) => (callers[i % callers.length] as (typeof callers)[number])(1, load)),
    );
    console.log(`| ${name} | ${db.queries()} | ${(performance.now() - start).toFixed(0)} ms |`);
  }
  await level.close();
}

function keelCall(cache: Cache) {
  return async (id: number, load: () => Promise<unknown>) => (await cache.getOrSet(`item:${id}`, load))._unsafeUnwrap();
}

function keyvCall(keyv: Keyv) {
  return async (id: number, load: () => Promise<unknown>) => {
    const found = await keyv.get(`item:${id}`);
    if (found !== undefined) return found;
    const item = await load();
    await keyv.set(`item:${id}`, item, 300_000);
    return item;
  };
}

function managerCall(manager: ReturnType<typeof createCacheManager>) {
  return (id: number, load: () => Promise<unknown>) => manager.wrap(`item:${id}`, load, 300_000);
}
