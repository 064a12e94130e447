import { describeMessagingKill, testRedis } from '@keel/testing';
import { createRedisMessaging } from '../src/index.js';

const redis = await testRedis();

describeMessagingKill({
  name: 'redis',
  skip: redis.skip,
  child: new URL('./support/consumer-child.ts', import.meta.url),
  external: /^ioredis$/,
  setup: () => {
    const server = redis.server as NonNullable<typeof redis.server>;
    const childConfig = { url: server.url, keyPrefix: server.prefix('msg-kill') };
    return { messaging: createRedisMessaging(childConfig), childConfig };
  },
  cleanup: async () => redis.server?.cleanup(),
});
