import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLevelKv } from '@keel/adapter-kv-level';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createRedisKv } from '@keel/adapter-kv-redis';
import type { Kv } from '@keel/core';
import { ManualClock, expectErr, expectOk, testRedis } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createRateLimiter, rateLimitHeaders } from '../src/index.js';

const redis = await testRedis();
const dir = mkdtempSync(join(tmpdir(), 'keel-ratelimit-'));
afterAll(async () => {
  await redis.server?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

// Each store as several processes would use it: on Redis separate connections; LevelDB and
// memory live in one process, so there the "processes" are separate limiters on one store
// (each has its own in-process turn-taking, so they race through compare-and-swap).
const targets: { name: string; skip?: string; stores: () => Kv[] }[] = [
  { name: 'kv-memory', stores: () => Array(4).fill(createMemoryKv()) },
  { name: 'kv-level', stores: () => Array(4).fill(createLevelKv({ location: mkdtempSync(join(dir, 'level-')) })) },
  {
    name: 'kv-redis',
    ...(redis.skip ? { skip: redis.skip } : {}),
    stores: () => {
      const prefix = redis.server?.prefix('rl') ?? '';
      return Array.from({ length: 4 }, () => createRedisKv({ url: redis.server?.url ?? '', keyPrefix: prefix }));
    },
  },
];

describe.each(targets)('on $name', ({ skip, stores }) => {
  it.skipIf(skip !== undefined)(`exact under concurrency${skip ? ` — skipped: ${skip}` : ''}`, async () => {
    for (const algorithm of ['token-bucket', 'sliding-window'] as const) {
      const kvs = stores();
      const clock = new ManualClock(1_000_000);
      const limiters = kvs.map((kv) => createRateLimiter(kv, { algorithm, limit: 50, intervalMs: 60_000, clock }));
      const decisions = await Promise.all(
        Array.from({ length: 200 }, (_, i) => limiters[i % limiters.length]?.consume('user:ada')),
      );
      const allowed = decisions.filter((d) => d && expectOk(d).allowed).length;
      expect(allowed, algorithm).toBe(50);
      const refused = expectOk(await (limiters[0] as ReturnType<typeof createRateLimiter>).consume('user:ada'));
      expect(refused).toMatchObject({ allowed: false, remaining: 0 });
      expect(rateLimitHeaders(refused)).toMatchObject({ 'RateLimit-Limit': '50', 'RateLimit-Remaining': '0' });
      expect(Number(rateLimitHeaders(refused)['Retry-After'])).toBeGreaterThan(0);
      clock.advance(refused.retryAfterMs);
      expect(expectOk(await (limiters[1] as ReturnType<typeof createRateLimiter>).consume('user:ada')).allowed).toBe(
        true,
      );
      await Promise.all([...new Set(kvs)].map((kv) => kv.close()));
    }
  });
});

describe('bad input', () => {
  const limiter = createRateLimiter(createMemoryKv(), { limit: 3, intervalMs: 1000 });
  it('is a typed error, and uses nothing', async () => {
    expectErr(await limiter.consume(''), 'INVALID_ARGUMENT');
    expectErr(await limiter.consume('k', 0), 'INVALID_ARGUMENT');
    expectErr(await limiter.consume('k', 4), 'INVALID_ARGUMENT');
    expectErr(await limiter.consume('k', 1.5), 'INVALID_ARGUMENT');
    expect(expectOk(await limiter.peek('k', 3)).allowed).toBe(true); // the whole allowance is still there
  });
  it('refuses options that cannot work, naming them', () => {
    expect(() => createRateLimiter(createMemoryKv(), { limit: 0, intervalMs: 1000 })).toThrow(/limit/);
    expect(() => createRateLimiter(createMemoryKv(), { limit: 1, intervalMs: -1 })).toThrow(/intervalMs/);
    expect(() => createRateLimiter(createMemoryKv(), { limit: 1, intervalMs: 1, algorithm: 'leaky' as never })).toThrow(
      /algorithm/,
    );
  });
  it('a value it did not write is STORE, not a guess', async () => {
    const kv = createMemoryKv();
    await kv.set('ratelimit:k', 42n);
    expectErr(await createRateLimiter(kv, { limit: 3, intervalMs: 1000 }).consume('k'), 'STORE');
  });
});

const child = fileURLToPath(new URL('support/consume-child.ts', import.meta.url));
describe.skipIf(redis.server === undefined)('several processes on one Redis', () => {
  it('three processes spending one allowance get exactly the limit between them', async () => {
    const prefix = redis.server?.prefix('rl-proc') ?? '';
    const runs = Array.from({ length: 3 }, () => {
      const p = spawn(process.execPath, ['--import', 'tsx', '--conditions', 'keel-source', child], {
        env: { ...process.env, KEEL_RL_URL: redis.server?.url, KEEL_RL_PREFIX: prefix },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      p.stdout.on('data', (chunk: Buffer) => (out += chunk));
      return new Promise<number>((resolve, reject) =>
        p.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`child exited ${code}`)))),
      );
    });
    const allowed = await Promise.all(runs);
    expect(allowed.reduce((a, b) => a + b, 0)).toBe(40);
  });
});
