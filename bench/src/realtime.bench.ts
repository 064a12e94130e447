import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { createMemoryMessaging } from '@keel/adapter-messaging-memory';
import { createRedisMessaging } from '@keel/adapter-messaging-redis';
import type { Messaging } from '@keel/core';
import { createRealtimeHandler } from '@keel/realtime';
import { Redis } from 'ioredis';
import { compare } from './harness.js';

const batch = 200;
const payload = JSON.stringify({ type: 'created', task: { id: 12345, title: 'Write the launch post, then buy milk' } });

/**
 * Messages per second to one SSE client (fetch reading the stream), through @keel/realtime on the
 * memory and Redis messaging adapters, against the same SSE frames written with a bare `res.write`
 * (no messaging: the floor any SSE server pays). One call publishes (or writes) 200 messages and
 * waits until the client has read them all. Redis: KEEL_BENCH_REDIS_URL, keys under
 * `keel-bench:rt:<pid>:`.
 */
export async function run(): Promise<void> {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  console.log(`\n## @keel/realtime — load average ${one} / ${five} / ${fifteen} (1/5/15 min)`);
  const url = process.env.KEEL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `keel-bench:rt:${process.pid}:`;
  const memory = createMemoryMessaging();
  const redis = createRedisMessaging({ url, keyPrefix: prefix });
  let raw: ServerResponse | undefined;
  const handlers = new Map(
    [memory, redis].map((m) => [
      m,
      createRealtimeHandler({ messaging: m, authorize: () => ({ user: 'u', subjects: ['bench.>'] }) }),
    ]),
  );
  const server = createServer((req, res) => {
    if (req.url === '/raw') {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders();
      raw = res;
      return;
    }
    const messaging = req.url?.includes('redis') ? redis : memory;
    void handlers.get(messaging)?.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: Reader[] = [];
  try {
    const rawClient = await readEvents(`${base}/raw`);
    const memoryClient = await readEvents(`${base}/?subject=bench.memory`);
    const redisClient = await readEvents(`${base}/?subject=bench.redis`);
    clients.push(rawClient, memoryClient, redisClient);
    await Promise.all([memoryClient.until(1), redisClient.until(1)]); // the ready events
    let seq = 0;
    const frame = () => `id: p${++seq}\nevent: bench.raw\ndata: ${payload}\n\n`;
    const through = (messaging: Messaging, subject: string, client: Reader) => async () => {
      const target = client.count + batch;
      for (let i = 0; i < batch; i++) void messaging.publish(subject, payload);
      await client.until(target);
    };
    await compare(
      `One SSE client, ${batch} messages of ${payload.length} bytes per call`,
      [
        {
          name: 'node:http res.write of the same frames (no messaging)',
          opsPerCall: batch,
          fn: async () => {
            const target = rawClient.count + batch;
            for (let i = 0; i < batch; i++) raw?.write(frame());
            await rawClient.until(target);
          },
        },
        {
          name: '@keel/realtime, messaging-memory',
          opsPerCall: batch,
          fn: through(memory, 'bench.memory', memoryClient),
        },
        { name: '@keel/realtime, messaging-redis', opsPerCall: batch, fn: through(redis, 'bench.redis', redisClient) },
      ],
      { rounds: 5, roundMs: 300, checkEvery: 1 },
    );
  } finally {
    for (const client of clients) client.close();
    for (const handler of handlers.values()) await handler.close();
    raw?.end();
    server.closeAllConnections();
    server.close();
    await Promise.all([memory.close(), redis.close()]);
    const ioredis = new Redis(url);
    const keys = await ioredis.keys(`${prefix}*`);
    if (keys.length > 0) await ioredis.del(...keys);
    ioredis.disconnect();
  }
}

interface Reader {
  readonly count: number;
  until(n: number): Promise<void>;
  close(): void;
}

/** Counts the events (blank-line ends) of an SSE stream read with fetch. */
async function readEvents(url: string): Promise<Reader> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  let count = 0;
  let last = '';
  let waiting: { n: number; resolve: () => void } | undefined;
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = last + decoder.decode(chunk, { stream: true });
        count += text.split('\n\n').length - 1;
        last = text.endsWith('\n') && !text.endsWith('\n\n') ? '\n' : '';
        if (waiting && count >= waiting.n) {
          const w = waiting;
          waiting = undefined;
          w.resolve();
        }
      }
    } catch {
      // closed
    }
  })();
  return {
    get count() {
      return count;
    },
    until: (n) => (count >= n ? Promise.resolve() : new Promise((resolve) => (waiting = { n, resolve }))),
    close: () => controller.abort(),
  };
}
