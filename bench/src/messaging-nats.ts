import { createNatsMessaging } from '@keel/adapter-messaging-nats';
import type { Messaging } from '@keel/core';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { compare, latencyTable, roundTripRounds } from './harness.js';

/**
 * Keel's JetStream messaging against the raw @nats-io client doing the same by hand, in one run:
 * publish (awaiting the PubAck), publish → pull → ack of one message (raw: `next()` and
 * `ackAck()`, an ack the server confirms, as Keel's is), and a backlog 100 per pull. The raw
 * client connected with `noAsyncTraces`, as Keel's adapter connects, is in the publish and round
 * trip tables too: the default builds an Error per request, which is most of the difference. Needs the
 * NATS at KEEL_BENCH_NATS_URL (default nats://127.0.0.1:4222) with JetStream; its two streams
 * (`keel-bench-<pid>-raw`, `-keel`) are deleted at the end.
 */
export async function runNats(): Promise<void> {
  const url = process.env.KEEL_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  // The raw client as Keel connects it: without an Error built per request for async traces.
  const quietNc = await connect({ servers: url, noAsyncTraces: true });
  const quietJs = jetstream(quietNc);
  const rawStream = `keel-bench-${process.pid}-raw`;
  const keelStream = `keel-bench-${process.pid}-keel`;
  const rawSubject = `keel_bench_${process.pid}_raw.work`;
  const quietSubject = `keel_bench_${process.pid}_raw.quiet`;
  const keel = createNatsMessaging({ url, stream: keelStream, subjectPrefix: `keel_bench_${process.pid}_keel` });
  const payload = new TextEncoder().encode('{"id":1,"name":"order 1","total":1234}');
  try {
    await jsm.streams.add({ name: rawStream, subjects: [rawSubject, quietSubject] });
    const rawConsumer = async (name: string, subject = rawSubject, client = js) => {
      await jsm.consumers.add(rawStream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        filter_subject: subject,
      });
      return client.consumers.get(rawStream, name);
    };
    await compare(
      'messaging: publish one message, awaited one at a time (NATS JetStream)',
      [
        { name: 'raw @nats-io js.publish', fn: () => js.publish(rawSubject, payload) },
        { name: 'raw @nats-io js.publish, noAsyncTraces', fn: () => quietJs.publish(quietSubject, payload) },
        { name: 'keel nats publish', fn: () => keel.publish('work', payload) },
        {
          name: 'keel nats publish with messageId (de-dup)',
          fn: () => keel.publish('work', payload, { messageId: crypto.randomUUID() }),
        },
      ],
      roundTripRounds,
    );

    const raw = await rawConsumer('g');
    const quiet = await rawConsumer('q', quietSubject, quietJs);
    (await keel.ensureConsumer({ subject: 'work', name: 'g', start: { kind: 'new' } }))._unsafeUnwrap();
    const roundTrip = (m: Messaging) => async () => {
      (await m.publish('work', payload))._unsafeUnwrap();
      // A wait, as the raw side's: JetStream's consumer sees a just-stored message a moment later.
      const [message] = (await m.pull('work', 'g', { waitMs: 1000 }))._unsafeUnwrap();
      if (!message) throw new Error(`${m.adapter}: nothing to read`);
      (await m.ack(message.token))._unsafeUnwrap();
    };
    const rawRoundTrip = (client: typeof js, subject: string, consumer: typeof raw) => async (): Promise<void> => {
      await client.publish(subject, payload);
      const m = await consumer.next({ expires: 1000 });
      if (!m) throw new Error('raw: nothing to read');
      await m.ackAck();
    };
    const roundTrips = [
      { name: 'raw @nats-io publish + next + ackAck', fn: rawRoundTrip(js, rawSubject, raw) },
      { name: 'keel nats publish + pull + ack', fn: roundTrip(keel) },
      {
        name: 'raw @nats-io, noAsyncTraces, publish + next + ackAck',
        fn: rawRoundTrip(quietJs, quietSubject, quiet),
      },
    ];
    await compare('messaging: publish → pull → ack of one message (NATS JetStream)', roundTrips, roundTripRounds);
    await latencyTable('messaging: publish → pull → ack latency (NATS JetStream)', roundTrips);

    const rawBacklog = await rawConsumer('b');
    (await keel.ensureConsumer({ subject: 'work', name: 'b', start: { kind: 'new' } }))._unsafeUnwrap();
    const feed = (subject: string) => Promise.all(Array.from({ length: 100 }, () => js.publish(subject, payload)));
    const keelSubject = `keel_bench_${process.pid}_keel.work`;
    await compare(
      'messaging: consume a backlog, 100 per pull, each acked (NATS; feeding included in both)',
      [
        {
          name: 'raw @nats-io fetch 100 + ackAck each',
          opsPerCall: 100,
          fn: async () => {
            await feed(rawSubject);
            for await (const m of await rawBacklog.fetch({ max_messages: 100, expires: 1000 })) await m.ackAck();
          },
        },
        {
          name: 'keel nats pull 100 + ack each',
          opsPerCall: 100,
          fn: async () => {
            await feed(keelSubject);
            for (const m of (await keel.pull('work', 'b', { maxMessages: 100 }))._unsafeUnwrap())
              (await keel.ack(m.token))._unsafeUnwrap();
          },
        },
      ],
      roundTripRounds,
    );
  } finally {
    await keel.close();
    for (const name of [rawStream, keelStream]) await jsm.streams.delete(name).catch(() => false);
    await quietNc.close();
    await nc.close();
  }
}
