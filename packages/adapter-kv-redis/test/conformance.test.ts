import { describeKvConformance, testRedis } from '@keel/testing';
import { afterAll, describe, it } from 'vitest';
import { createRedisKv } from '../src/index.js';

const redis = await testRedis();
const server = redis.server;

if (server === undefined) {
  describe.skip(`kv conformance: redis — skipped: ${redis.skip}`, () => it('runs', () => undefined));
} else {
  const prefixes = new Map<string, string>();
  // One prefix per conformance instance; reopening the same id finds the same keys.
  const prefixOf = (id: string) => prefixes.get(id) ?? (prefixes.set(id, server.prefix('conf')).get(id) as string);
  afterAll(() => server.cleanup());
  describeKvConformance({
    name: 'redis',
    factory: ({ id }) => createRedisKv({ url: server.url, keyPrefix: prefixOf(id) }),
    reopen: ({ id }) => createRedisKv({ url: server.url, keyPrefix: prefixOf(id) }),
    capabilities: { ttl: true, atomicBatch: true, persistent: true, synchronous: false },
    time: 'real',
  });
}
