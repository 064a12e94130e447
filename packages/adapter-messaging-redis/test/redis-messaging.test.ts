import { createKeel } from '@keel/core';
import { KeelOptionsError } from '@keel/core/adapter';
import { expectErr, expectOk, freePort, privateRedis, testRedis, textOf } from '@keel/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisMessaging, redisMessagingAdapter } from '../src/index.js';

const redis = await testRedis();
const ownRedis = privateRedis();

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

  it.skipIf(redis.skip)(
    'answers each ack of a burst (sent together while one is on its way) for its own message',
    async () => {
      const messaging = createRedisMessaging({
        url: redis.server?.url as string,
        keyPrefix: redis.server?.prefix('msg-burst') as string,
      });
      expectOk(await messaging.ensureConsumer({ subject: 'a', name: 'c', ackWaitMs: 200 }));
      for (let i = 0; i < 40; i++) expectOk(await messaging.publish('a', `m${i}`));
      const got = expectOk(await messaging.pull('a', 'c', { maxMessages: 40, waitMs: 1000 }));
      expect(got).toHaveLength(40);
      // Every other message acknowledged, in one burst, with repeats and a stream id never delivered.
      const tokens = got.filter((_, i) => i % 2 === 0).map((m) => m.token);
      const burst = [...tokens, tokens[0] as string, 'a|c|1-1', tokens[1] as string];
      const answers = await Promise.all(burst.map((token) => messaging.ack(token)));
      expect(answers.map((r) => expectOk(r))).toEqual([...tokens.map(() => true), false, false, false]);
      // The others come again after the ack wait; the acknowledged ones never do.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const again = expectOk(await messaging.pull('a', 'c', { maxMessages: 40, waitMs: 1000 }));
      expect(again.map(textOf).sort()).toEqual(
        got
          .filter((_, i) => i % 2 === 1)
          .map(textOf)
          .sort(),
      );
      // A burst on a consumer deleted meanwhile: every ack is NOT_FOUND.
      expectOk(await messaging.deleteConsumer('a', 'c'));
      const late = await Promise.all(again.map((m) => messaging.ack(m.token)));
      for (const r of late) expectErr(r, 'NOT_FOUND');
      await messaging.close();
    },
  );

  it.skipIf(ownRedis.skip)(
    'a call the ACL refuses is ACCESS_DENIED, whether a command or a script refused it',
    async () => {
      const server = await (ownRedis.server as NonNullable<typeof ownRedis.server>).start();
      const admin = createRedisMessaging({ url: server.url });
      const port = new URL(server.url).port;
      // Everything but XACK, and XAUTOCLAIM, which only the pull script calls.
      const limited = createRedisMessaging({ url: `redis://reader:pw@127.0.0.1:${port}` });
      const raw = new Redis(server.url);
      try {
        await raw.acl('SETUSER', 'reader', 'on', '>pw', '~*', '+@all', '-xack', '-xautoclaim');
        expectOk(await admin.ensureConsumer({ subject: 'a', name: 'c' }));
        expectOk(await limited.publish('a', 'x'));
        expectErr(await limited.pull('a', 'c'), 'ACCESS_DENIED');
        const [message] = expectOk(await admin.pull('a', 'c'));
        expectErr(await limited.ack((message as { token: string }).token), 'ACCESS_DENIED');
        expect(expectOk(await admin.ack((message as { token: string }).token))).toBe(true);
      } finally {
        raw.disconnect();
        await limited.close();
        await admin.close();
        await server.stop();
      }
    },
  );

  it.skipIf(ownRedis.skip)(
    'a call the server does not answer is TIMEOUT after commandTimeoutMs, and the next works',
    async () => {
      const server = await (ownRedis.server as NonNullable<typeof ownRedis.server>).start();
      const messaging = createRedisMessaging({ url: server.url, commandTimeoutMs: 300 });
      try {
        expectOk(await messaging.ensureConsumer({ subject: 'a', name: 'c' }));
        // Frozen, not gone: the connection stays open and nothing answers.
        process.kill(server.pid as number, 'SIGSTOP');
        const started = Date.now();
        // One command each, then a script (the de-duplicating publish): both kinds are bounded.
        const first = messaging.ack('a|c|1-1');
        // The second ack waits behind the first: it fails with it, not a timeout later.
        let queuedSettled = false;
        const queued = messaging.ack('a|c|1-2');
        void queued.then(() => {
          queuedSettled = true;
        });
        const [published, pulled, acked, deduplicated] = await Promise.all([
          messaging.publish('a', 'x'),
          messaging.pull('a', 'c'),
          first,
          messaging.publish('a', 'x', { messageId: 'm1' }),
        ]);
        expectErr(published, 'TIMEOUT');
        expectErr(pulled, 'TIMEOUT');
        expectErr(acked, 'TIMEOUT');
        expectErr(deduplicated, 'TIMEOUT');
        await new Promise((resolve) => setImmediate(resolve));
        expect(queuedSettled).toBe(true);
        expectErr(await queued, 'TIMEOUT');
        expect(Date.now() - started).toBeLessThan(5000);
        process.kill(server.pid as number, 'SIGCONT');
        expectOk(await messaging.publish('a', 'y'));
      } finally {
        if (server.pid) process.kill(server.pid, 'SIGCONT');
        await messaging.close();
        await server.stop();
      }
    },
  );
});
