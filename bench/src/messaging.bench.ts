import { createMemoryMessaging } from '@keel/adapter-messaging-memory';
import { createRedisMessaging } from '@keel/adapter-messaging-redis';
import type { Messaging } from '@keel/core';
import { Redis } from 'ioredis';
import { compare, latencyTable, roundTripRounds } from './harness.js';
import { runNats } from './messaging-nats.js';

/**
 * Keel's Redis Streams messaging against raw ioredis doing the same commands by hand (XADD;
 * SET NX + XADD for a de-duplicated publish; XREADGROUP + XACK), in one run: publish throughput, a publish → pull → ack round trip, a batch
 * consume, and the round trip's p50/p99. The memory adapter is in the round-trip table for
 * scale. Needs the Redis at KEEL_BENCH_REDIS_URL (default redis://127.0.0.1:6379); every key is
 * under `keel-bench:msg:<pid>:`, removed at the end. Then the same for NATS JetStream
 * (`messaging-nats.ts`).
 */
export async function run(): Promise<void> {
  await runRedis();
  await runNats();
}

async function runRedis(): Promise<void> {
  const url = process.env.KEEL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const root = `keel-bench:msg:${process.pid}:`;
  const raw = new Redis(url);
  const keel = createRedisMessaging({ url, keyPrefix: `${root}keel:` });
  const memory = createMemoryMessaging();
  const rawStream = `${root}raw:s:work`;
  const payload = Buffer.from('{"id":1,"name":"order 1","total":1234}');
  const stopped = async () => {
    await dropKeys(raw, `${root}*`);
    process.exit(130);
  };
  process.once('SIGINT', stopped).once('SIGTERM', stopped);
  try {
    await raw.xgroup('CREATE', rawStream, 'g', '$', 'MKSTREAM');
    for (const m of [keel, memory]) (await m.ensureConsumer({ subject: 'work', name: 'g' }))._unsafeUnwrap();
    // Replies as bytes (ioredis's *Buffer commands): a message's data is bytes, as keel delivers it.
    const rawRoundTrip = async () => {
      await raw.xadd(rawStream, '*', 'd', payload);
      const reply = (await raw.xreadgroupBuffer('GROUP', 'g', 'me', 'COUNT', 1, 'STREAMS', rawStream, '>')) as
        | [Buffer, [Buffer, Buffer[]][]][]
        | null;
      const id = reply?.[0]?.[1][0]?.[0];
      if (id === undefined) throw new Error('raw: nothing to read');
      await raw.xack(rawStream, 'g', id);
    };
    const roundTrip = (m: Messaging) => async () => {
      (await m.publish('work', payload))._unsafeUnwrap();
      const [message] = (await m.pull('work', 'g'))._unsafeUnwrap();
      if (!message) throw new Error(`${m.adapter}: nothing to read`);
      (await m.ack(message.token))._unsafeUnwrap();
    };

    await compare(
      'messaging: publish one message, awaited one at a time (Redis)',
      [
        { name: 'raw ioredis XADD', fn: () => raw.xadd(rawStream, '*', 'd', payload) },
        { name: 'keel redis publish', fn: () => keel.publish('work', payload) },
        {
          // De-duplication by hand: claim the id for the window, then add. Two round trips, and
          // not atomic (a crash between them loses the message); Keel's is one script.
          name: 'raw ioredis SET NX PX + XADD (de-dup by hand)',
          fn: async () => {
            if (await raw.set(`${root}raw:d:${crypto.randomUUID()}`, '1', 'PX', 120_000, 'NX'))
              await raw.xadd(rawStream, '*', 'd', payload);
          },
        },
        {
          name: 'keel redis publish with messageId (de-dup)',
          fn: () => keel.publish('work', payload, { messageId: crypto.randomUUID() }),
        },
      ],
      roundTripRounds,
    );
    // Drop the backlog the publish table left, so the round trips read what they just wrote.
    await raw.xgroup('SETID', rawStream, 'g', '$');
    (await keel.deleteConsumer('work', 'g'))._unsafeUnwrap();
    (await keel.ensureConsumer({ subject: 'work', name: 'g', start: { kind: 'new' } }))._unsafeUnwrap();

    await compare(
      'messaging: publish → pull → ack of one message (a consumer keeping up)',
      [
        { name: 'raw ioredis XADD + XREADGROUP (bytes) + XACK', fn: rawRoundTrip },
        { name: 'keel redis publish + pull + ack', fn: roundTrip(keel) },
        { name: 'keel memory publish + pull + ack', fn: roundTrip(memory) },
      ],
      roundTripRounds,
    );

    // A backlog consumed 100 at a time; both sides are fed by the same raw pipeline of XADDs.
    const feed = async (stream: string) => {
      const pipeline = raw.pipeline();
      for (let i = 0; i < 100; i++) pipeline.xadd(stream, '*', 'd', payload);
      await pipeline.exec();
    };
    await compare(
      'messaging: consume a backlog, 100 per pull, each acked (feeding included in both)',
      [
        {
          name: 'raw ioredis XREADGROUP COUNT 100 (bytes) + XACK each',
          opsPerCall: 100,
          fn: async () => {
            await feed(rawStream);
            const reply = (await raw.xreadgroupBuffer('GROUP', 'g', 'me', 'COUNT', 100, 'STREAMS', rawStream, '>')) as
              | [Buffer, [Buffer, Buffer[]][]][]
              | null;
            for (const [id] of reply?.[0]?.[1] ?? []) await raw.xack(rawStream, 'g', id);
          },
        },
        {
          name: 'keel redis pull 100 + ack each',
          opsPerCall: 100,
          fn: async () => {
            await feed(`${root}keel:s:work`);
            for (const m of (await keel.pull('work', 'g', { maxMessages: 100 }))._unsafeUnwrap())
              (await keel.ack(m.token))._unsafeUnwrap();
          },
        },
      ],
      roundTripRounds,
    );

    const latency = [
      { name: 'raw ioredis XADD + XREADGROUP (bytes) + XACK', fn: rawRoundTrip },
      { name: 'keel redis publish + pull + ack', fn: roundTrip(keel) },
    ];
    await latencyTable('messaging: publish → pull → ack latency', latency);
  } finally {
    process.off('SIGINT', stopped).off('SIGTERM', stopped);
    await keel.close();
    await memory.close();
    await dropKeys(raw, `${root}*`);
    raw.disconnect();
  }
}

/** Deletes every key matching `pattern`, on the server. */
function dropKeys(redis: Redis, pattern: string): Promise<unknown> {
  const script = "local n=0 for _,k in ipairs(redis.call('KEYS',ARGV[1])) do n=n+redis.call('DEL',k) end return n";
  return redis.eval(script, 0, pattern);
}
