import { createKeel } from '@keel/core';
import { KeelOptionsError } from '@keel/core/adapter';
import { expectErr, expectOk, freePort, testRedis, textOf } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisMessaging, redisMessagingAdapter } from '../src/index.js';

const redis = await testRedis();

describe('createRedisMessaging', () => {
  afterAll(() => redis.server?.cleanup());

  it.skipIf(redis.skip)('is chosen by config as keel.messaging once registered', async () => {
    const options = { url: redis.server?.url as string, keyPrefix: redis.server?.prefix('msg-config') as string };
    const keel = expectOk(
      await createKeel(
        { messaging: { adapter: 'redis', options, requires: ['durable'] } },
        { adapters: [redisMessagingAdapter], env: false },
      ),
    );
    expect(keel.messaging.adapter).toBe('redis');
    expectOk(await keel.messaging.ensureConsumer({ subject: 'a', name: 'c' }));
    expectOk(await keel.messaging.publish('a', 'hi'));
    expect(expectOk(await keel.messaging.pull('a', 'c', { waitMs: 1000 })).map(textOf)).toEqual(['hi']);
    expect((await keel.messaging.health()).ok).toBe(true);
    await keel.close();
  });

  it('says where it could not connect, without the password', async () => {
    const port = await freePort();
    const messaging = createRedisMessaging({ url: `redis://:s3cret@127.0.0.1:${port}`, connectTimeoutMs: 2000 });
    const failed = expectErr(await messaging.publish('a', 'x'), 'UNAVAILABLE');
    expect(failed.message).toContain(`127.0.0.1:${port}`);
    expect(failed.message).not.toContain('s3cret');
    await messaging.close();
  });

  it('refuses bad options naming the field', () => {
    expect(() => createRedisMessaging({ commandTimeoutMs: 5 })).toThrow(KeelOptionsError);
    expect(() => createRedisMessaging({ keyPrefx: 'x' } as never)).toThrow(/keyPrefix/);
  });

  it.skipIf(redis.skip)('a token for another subject or a stream id it never issued settles nothing', async () => {
    const messaging = createRedisMessaging({
      url: redis.server?.url as string,
      keyPrefix: redis.server?.prefix('msg-token') as string,
    });
    expectOk(await messaging.ensureConsumer({ subject: 'a', name: 'c' }));
    expect(expectOk(await messaging.ack('a|c|1-1'))).toBe(false);
    expect(expectOk(await messaging.nak('a|c|1-1'))).toBe(false);
    expectErr(await messaging.ack('b|c|1-1'), 'NOT_FOUND');
    expectErr(await messaging.ack('a|c|x'), 'INVALID_ARGUMENT');
    await messaging.close();
  });
});
