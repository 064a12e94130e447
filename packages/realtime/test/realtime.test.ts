// The handler end to end on real adapters (memory, the machine's Redis under its own prefix, its
// NATS JetStream on a stream of its own):
// a real HTTP server, a real SSE client over fetch, real publishes through the contract.
import { connect } from 'node:net';
import { createMemoryMessaging } from '@keel/adapter-messaging-memory';
import { createNatsMessaging } from '@keel/adapter-messaging-nats';
import { createRedisMessaging } from '@keel/adapter-messaging-redis';
import { createObservability, type Messaging } from '@keel/core';
import { eventually, expectOk, testNats, testRedis } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openSse } from './support/sse-client.js';
import { recording, startFixture } from './support/fixture.js';

const redis = await testRedis();
const nats = await testNats();
afterAll(() => Promise.all([redis.server?.cleanup(), nats.server?.cleanup()]));

const adapters: { name: string; skip: string | undefined; make: () => Messaging }[] = [
  { name: 'memory', skip: undefined, make: () => createMemoryMessaging() },
  {
    name: 'redis',
    skip: redis.skip,
    make: () =>
      createRedisMessaging({ url: redis.server?.url as string, keyPrefix: redis.server?.prefix('rt') as string }),
  },
  {
    name: 'nats',
    skip: nats.skip,
    make: () => createNatsMessaging({ url: nats.server?.url, storage: 'memory', ...nats.server?.stream('rt') }),
  },
];
const alice = { 'x-user': 'alice', 'x-workspaces': '1,2' };

for (const adapter of adapters) {
  describe.skipIf(adapter.skip)(`realtime on ${adapter.name}`, () => {
    const messaging = recording(adapter.make());
    afterAll(() => messaging.close());

    it('streams a subject in publish order, resumes after Last-Event-ID, and deletes its consumer on disconnect', async () => {
      const f = await startFixture(messaging);
      try {
        const url = `${f.base}?subject=workspace.1.tasks`;
        const first = await openSse(url, alice);
        expect(first.status).toBe(200);
        expect((await first.next())?.event).toBe('keel:ready');
        for (let i = 0; i < 20; i++) expectOk(await messaging.publish('workspace.1.tasks', `task ${i}`));
        const seen: string[] = [];
        for (let i = 0; i < 20; i++) {
          const event = await first.next();
          expect(event?.event).toBe('workspace.1.tasks');
          seen.push(event?.data as string);
        }
        expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `task ${i}`));
        const last = first.lastId as string;
        first.close();
        await eventually(() => f.realtime.connections === 0, 10_000, 'the stream to end');
        const made = messaging.consumers.at(-1);
        if (!made) throw new Error('no consumer was made');
        // Asked of the adapter itself: nothing is left behind for a reader that is gone.
        expect(expectOk(await messaging.deleteConsumer(made.subject, made.name))).toBe(false);

        // Published while no one listens; the browser comes back with the last id it saw.
        for (const text of ['while away 1', 'while away 2'])
          expectOk(await messaging.publish('workspace.1.tasks', text));
        const again = await openSse(url, { ...alice, 'last-event-id': last });
        expect((await again.next())?.event).toBe('keel:ready');
        expect((await again.next())?.data).toBe('while away 1');
        expect((await again.next())?.data).toBe('while away 2');
        again.close();
      } finally {
        await f.close();
      }
    });

    it('resumes from the first event when no message was seen yet, and sends heartbeats', async () => {
      const f = await startFixture(messaging, { heartbeatMs: 20 });
      try {
        const url = `${f.base}?subject=workspace.2.tasks&subject=workspace.1.audit`;
        const first = await openSse(url, alice);
        expect(await first.comment()).toBe('keep-alive');
        const ready = await first.next();
        first.close();
        expectOk(await messaging.publish('workspace.1.audit', 'gap'));
        const again = await openSse(url, { ...alice, 'last-event-id': ready?.id as string });
        await again.next(); // ready
        expect(await again.next()).toMatchObject({ event: 'workspace.1.audit', data: 'gap' });
        again.close();
      } finally {
        await f.close();
      }
    });

    it('refuses what the grant does not cover, and injected subjects, with nothing streamed', async () => {
      const f = await startFixture(messaging, { maxConnectionsPerUser: 1 });
      try {
        const status = async (query: string, headers: Record<string, string> = alice) => {
          const client = await openSse(`${f.base}?${query}`, headers);
          const body = await client.text();
          expect(body).not.toContain('data:');
          return client.status;
        };
        expect(await status('subject=workspace.3.tasks')).toBe(403);
        expect(await status('subject=workspace.10.tasks')).toBe(403);
        expect(await status('subject=workspace.1.tasks&subject=workspace.3.tasks')).toBe(403);
        expect(await status('subject=workspace.1.tasks', {})).toBe(401);
        for (const injected of [
          'workspace.*.tasks',
          'workspace.>',
          '>',
          'workspace.1.*',
          'workspace..1',
          '..',
          'workspace.1.tasks%0Adata:x',
          'workspace.1.tasks.',
        ]) {
          expect(await status(`subject=${injected}`), injected).toBe(400);
        }
        expect(await status('')).toBe(400);
        expect(await status('subject=workspace.1.a&subject=workspace.1.a')).toBe(400);
        const huge = await openSse(`${f.base}?subject=workspace.1.tasks`, {
          ...alice,
          'last-event-id': `p${'9'.repeat(5000)}`,
        });
        expect(huge.status).toBe(400);
        const forged = await openSse(`${f.base}?subject=workspace.1.tasks`, { ...alice, 'last-event-id': 'p1 p2' });
        expect(forged.status).toBe(400);
        // One stream per user here: the second is refused while the first is open.
        const open = await openSse(`${f.base}?subject=workspace.1.tasks`, alice);
        expect(await status('subject=workspace.2.tasks')).toBe(429);
        open.close();
        expect(messaging.consumers.filter((c) => c.subject.includes('3') || c.subject.includes('*'))).toEqual([]);
      } finally {
        await f.close();
      }
    });

    it('drops a client that does not read, past the bounded buffer, and deletes its consumer', async () => {
      const observability = createObservability({ prometheus: true });
      const f = await startFixture(messaging, { maxBufferedBytes: 64 * 1024, observability });
      try {
        const { port } = new URL(f.base);
        const socket = connect(Number(port), '127.0.0.1');
        await new Promise<void>((resolve) => socket.once('connect', resolve));
        socket.write(
          `GET /events?subject=workspace.1.bulk HTTP/1.1\r\nHost: x\r\nx-user: slow\r\nx-workspaces: 1\r\n\r\n`,
        );
        // The socket reads nothing from here on: the kernel's buffers fill, then the handler's.
        socket.pause();
        await eventually(() => f.realtime.connections === 1, 10_000, 'the stream to open');
        const big = 'x'.repeat(60_000);
        let closed = false;
        socket.once('close', () => (closed = true));
        for (let i = 0; i < 400 && f.realtime.connections > 0; i++) {
          expectOk(await messaging.publish('workspace.1.bulk', big));
          if (i % 20 === 19) await new Promise((r) => setTimeout(r, 20));
        }
        await eventually(() => f.realtime.connections === 0, 10_000, 'the slow client to be dropped');
        const made = messaging.consumers.at(-1);
        expect(made?.subject).toBe('workspace.1.bulk');
        expect(expectOk(await messaging.deleteConsumer(made?.subject as string, made?.name as string))).toBe(false);
        const metrics = await observability.metricsText();
        expect(metrics).toContain('keel_realtime_dropped_total{reason="slow"} 1');
        expect(metrics).toMatch(/keel_realtime_messages_total \d+/);
        expect(metrics).toMatch(/keel_realtime_connections 0/);
        socket.resume();
        await eventually(() => closed, 10_000, 'the socket to close');
      } finally {
        await f.close();
      }
    });
  });
}
