// The consumers of a process that died: a real child process serves a stream (its handler
// recording it in Redis kv), is killed with SIGKILL, and a sweep in this process deletes its
// consumers — while this process's own stream, renewed, keeps streaming.
import { spawn } from 'node:child_process';
import { createRedisKv } from '@keel/adapter-kv-redis';
import { createNatsMessaging } from '@keel/adapter-messaging-nats';
import { createRedisMessaging } from '@keel/adapter-messaging-redis';
import { createObservability, type Kv } from '@keel/core';
import { bundleChild, eventually, expectErr, expectOk, testNats, testRedis } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recording, startFixture } from './support/fixture.js';
import { openSse } from './support/sse-client.js';
import type { StreamChildConfig } from './support/stream-child.js';

const redis = await testRedis();
const nats = await testNats();
afterAll(() => Promise.all([redis.server?.cleanup(), nats.server?.cleanup()]));
const alice = { 'x-user': 'alice', 'x-workspaces': '1' };
// Renewed every third of it: long enough that a loaded machine still renews in time.
const leaseMs = 2500;

const brokers: { name: string; skip: string | undefined; config: () => StreamChildConfig['messaging'] }[] = [
  {
    name: 'redis',
    skip: redis.skip,
    config: () => ({
      kind: 'redis',
      url: redis.server?.url as string,
      keyPrefix: redis.server?.prefix('rt-sweep') as string,
    }),
  },
  {
    name: 'nats',
    skip: redis.skip ?? nats.skip,
    config: () => ({
      kind: 'nats',
      url: nats.server?.url as string,
      ...(nats.server?.stream('rt-sweep') as { stream: string; subjectPrefix: string }),
    }),
  },
];

describe.skipIf(redis.skip)('sweeping the streams of a killed process', () => {
  let child: Awaited<ReturnType<typeof bundleChild>> | undefined;
  beforeAll(async () => {
    child = await bundleChild(new URL('./support/stream-child.ts', import.meta.url), {
      external: /^(ioredis|@nats-io\/.*)$/,
    });
  }, 60_000);
  afterAll(() => child?.remove());

  for (const broker of brokers) {
    it.skipIf(broker.skip)(
      `on ${broker.name}: deletes a SIGKILLed process's consumers, not a live one's`,
      async () => {
        const config: StreamChildConfig = {
          messaging: broker.config(),
          kv: { url: redis.server?.url as string, keyPrefix: redis.server?.prefix('rt-leases') as string },
          leaseMs,
        };
        const { kind, ...options } = config.messaging;
        const messaging = recording(
          kind === 'redis'
            ? createRedisMessaging(options as { url: string; keyPrefix: string })
            : createNatsMessaging({ ...(options as { url: string; stream: string }), storage: 'memory' }),
        );
        const kv: Kv = createRedisKv(config.kv);
        const observability = createObservability({ prometheus: true });
        const here = await startFixture(messaging, { kv, leaseMs, observability });
        const process_ = spawn(process.execPath, [child?.file as string, JSON.stringify(config)]);
        try {
          let output = '';
          process_.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
          let errors = '';
          process_.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
          const port = await eventually(
            () => /port (\d+)/.exec(output)?.[1],
            20_000,
            `the child to listen (${errors})`,
          );
          const theirs = await openSse(`http://127.0.0.1:${port}/events?subject=workspace.1.tasks`, alice);
          expect((await theirs.next())?.event).toBe('keel:ready');
          const ours = await openSse(`${here.base}?subject=workspace.1.tasks`, alice);
          expect((await ours.next())?.event).toBe('keel:ready');
          const mine = messaging.consumers.at(-1)?.name as string;
          const records = async () =>
            expectOk(await kv.scan({ prefix: 'keel-realtime:' })).entries.map((e) =>
              e.key.slice('keel-realtime:'.length),
            );
          const names = await records();
          expect(names).toHaveLength(2);
          const dead = names.find((n) => n !== mine) as string;
          // Its consumer is there: a pull answers (NOT_FOUND once it is deleted).
          expectOk(await messaging.pull('workspace.1.tasks', dead));

          process_.kill('SIGKILL');
          theirs.close();
          await new Promise((resolve) => process_.once('close', resolve));
          await new Promise((resolve) => setTimeout(resolve, leaseMs + 300));
          await here.realtime.sweep();
          expectErr(await messaging.pull('workspace.1.tasks', dead), 'NOT_FOUND');
          expect(await records()).toEqual([mine]);
          expect(await observability.metricsText()).toContain('keel_realtime_swept_total 1');

          // Ours was renewed all along: it still streams, and its record goes with it.
          expectOk(await messaging.publish('workspace.1.tasks', 'after the sweep'));
          expect((await ours.next())?.data).toBe('after the sweep');
          ours.close();
          await eventually(() => here.realtime.connections === 0, 10_000, 'our stream to end');
          await eventually(async () => (await records()).length === 0, 10_000, 'our record to go');
        } finally {
          process_.kill('SIGKILL');
          await here.close();
          await messaging.close();
          await kv.close();
        }
      },
      30_000,
    );
  }
});
