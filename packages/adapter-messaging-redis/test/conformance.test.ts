import { describeMessagingConformance, testRedis } from '@keel/testing';
import { afterAll, describe, it } from 'vitest';
import { createRedisMessaging } from '../src/index.js';

const redis = await testRedis();
const server = redis.server;

if (server === undefined) {
  describe.skip(`messaging conformance: redis — skipped: ${redis.skip}`, () => it('runs', () => undefined));
} else {
  const prefixes = new Map<string, string>();
  // One prefix per conformance instance; members and a reopen of the same id share it.
  const prefixOf = (id: string) => prefixes.get(id) ?? (prefixes.set(id, server.prefix('msg')).get(id) as string);
  const build = ({ id }: { id: string }) => createRedisMessaging({ url: server.url, keyPrefix: prefixOf(id) });
  afterAll(() => server.cleanup());
  describeMessagingConformance({
    name: 'redis',
    factory: build,
    member: build,
    reopen: build,
    capabilities: {
      durable: true,
      consumerGroups: true,
      replay: 'time',
      deduplication: true,
      deadLetter: true,
      maxMessageBytes: 1024 * 1024,
    },
    time: 'real',
  });
}
