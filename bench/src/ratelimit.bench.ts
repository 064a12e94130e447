import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLevelKv } from '@keel/adapter-kv-level';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createRedisKv } from '@keel/adapter-kv-redis';
import { createRateLimiter } from '@keel/ratelimit';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { compare } from './harness.js';

/**
 * Rate-limit checks per second: @keel/ratelimit (token bucket and sliding window, compare-and-swap
 * on Keel's kv) on memory, LevelDB and Redis, against rate-limiter-flexible — the library Node
 * users pick — on memory and Redis (ioredis; its fixed window with an atomic Lua increment).
 * Each check is on one of 1,000 keys, under a limit no key reaches, so every check writes.
 * Redis: KEEL_BENCH_REDIS_URL (default redis://127.0.0.1:6379), keys under `keel-bench:rl:<pid>:`.
 */
export async function run(): Promise<void> {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  console.log(`\n## @keel/ratelimit — load average ${one} / ${five} / ${fifteen} (1/5/15 min)`);
  const url = process.env.KEEL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `keel-bench:rl:${process.pid}:`;
  const folder = mkdtempSync(join(tmpdir(), 'keel-bench-rl-'));
  const memory = createMemoryKv();
  const level = createLevelKv({ location: join(folder, 'level') });
  const redisKv = createRedisKv({ url, keyPrefix: prefix });
  const ioredis = new Redis(url, { lazyConnect: false });
  const limit = 1_000_000_000;
  const intervalMs = 60_000;
  const keel = (kv: typeof memory, algorithm: 'token-bucket' | 'sliding-window') =>
    createRateLimiter(kv, { algorithm, limit, intervalMs });
  let n = 0;
  const key = () => `user:${n++ % 1000}`;
  const flexibleMemory = new RateLimiterMemory({ points: limit, duration: intervalMs / 1000 });
  const flexibleRedis = new RateLimiterRedis({
    storeClient: ioredis,
    points: limit,
    duration: intervalMs / 1000,
    keyPrefix: `${prefix}rlf`,
  });
  try {
    const [bucketMemory, windowMemory, bucketLevel] = [
      keel(memory, 'token-bucket'),
      keel(memory, 'sliding-window'),
      keel(level, 'token-bucket'),
    ];
    await compare('A check that passes (in process)', [
      { name: 'rate-limiter-flexible 11.4 RateLimiterMemory', fn: () => flexibleMemory.consume(key()) },
      { name: '@keel/ratelimit token bucket, kv-memory', fn: () => bucketMemory.consume(key()) },
      { name: '@keel/ratelimit sliding window, kv-memory', fn: () => windowMemory.consume(key()) },
      { name: '@keel/ratelimit token bucket, kv-level', fn: () => bucketLevel.consume(key()) },
    ]);
    const bucketRedis = keel(redisKv, 'token-bucket');
    const windowRedis = keel(redisKv, 'sliding-window');
    await compare('A check that passes (Redis)', [
      { name: 'rate-limiter-flexible 11.4 RateLimiterRedis (ioredis)', fn: () => flexibleRedis.consume(key()) },
      { name: '@keel/ratelimit token bucket, kv-redis', fn: () => bucketRedis.consume(key()) },
      { name: '@keel/ratelimit sliding window, kv-redis', fn: () => windowRedis.consume(key()) },
    ]);
  } finally {
    const keys = await ioredis.keys(`${prefix}*`);
    if (keys.length > 0) await ioredis.del(...keys);
    ioredis.disconnect();
    await Promise.all([memory.close(), level.close(), redisKv.close()]);
    rmSync(folder, { recursive: true, force: true });
  }
}
