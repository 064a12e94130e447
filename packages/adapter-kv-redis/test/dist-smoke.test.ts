import { runBuilt } from '@keel/testing';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testRedis } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';

// The built package, the way an app gets it: plain `node`, no source condition. The package
// resolves itself by name from its own folder, and core from its dependencies.
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const redis = await testRedis();

const run = (code: string) => runBuilt(new URL('..', import.meta.url), code);

const script = (load: string, options: object) => `
  ${load}
  const options = ${JSON.stringify(options)};
  const kv = createRedisKv(options);
  await kv.set('k', 42n, { ttlMs: 60000 });
  const value = (await kv.get('k'))._unsafeUnwrap();
  await kv.close();
  const config = { kv: { adapter: 'redis', options } };
  const keel = (await createKeel(config, { env: false, adapters: [redisKvAdapter] }))._unsafeUnwrap();
  const again = (await keel.kv.increment('k'))._unsafeUnwrap();
  const bad = (await keel.kv.get(''))._unsafeUnwrapErr();
  await keel.close();
  console.log(JSON.stringify({ value: String(value), again: String(again), adapter: keel.kv.adapter, kvError: bad instanceof KvError }));`;

describe('built package', () => {
  afterAll(() => redis.server?.cleanup());

  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it.skipIf(redis.skip)('works from ESM', () => {
    const load =
      "import { createRedisKv, redisKvAdapter } from '@keel/adapter-kv-redis'; import { createKeel, KvError } from '@keel/core';";
    const child = run(script(load, { url: redis.server?.url, keyPrefix: redis.server?.prefix('dist') }));
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ value: '42', again: '43', adapter: 'redis', kvError: true });
  });
});
