import { createKeel } from '@keel/core';
import { expectOk, testRedis } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { redisKvAdapter } from '../src/index.js';

const redis = await testRedis();

describe('choosing the adapter by config', () => {
  afterAll(() => redis.server?.cleanup());

  it.skipIf(redis.skip)('builds the store from { adapter: "redis", options } once registered', async () => {
    const options = { url: redis.server?.url as string, keyPrefix: redis.server?.prefix('config') as string };
    const keel = expectOk(await createKeel({ kv: { adapter: 'redis', options } }, { adapters: [redisKvAdapter] }));
    expect(keel.kv.adapter).toBe('redis');
    expectOk(await keel.kv.set('k', 1n));
    expect(expectOk(await keel.kv.increment('k'))).toBe(2n);
    await keel.close();
  });

  it('names the package and export to register when config asks for redis without it', async () => {
    const thrown = await createKeel({ kv: { adapter: 'redis', options: {} } }).then(
      (result) => (result.isErr() ? result.error : undefined),
      (error: unknown) => error,
    );
    expect(String((thrown as Error)?.message)).toMatch(/@keel\/adapter-kv-redis[\s\S]*redisKvAdapter/);
  });
});
