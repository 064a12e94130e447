import type { Messaging, MessagingHeader, PublishReceipt, ReceivedMessage } from '@keel/core';
import {
  deadLetterHeaders,
  defineAdapter,
  defineMessaging,
  parseOptions,
  type DriverPull,
  type ResolvedConsumerConfig,
} from '@keel/core/adapter';
import { MessagingError } from '@keel/core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { consumerStore, type ConsumerSettings } from './nats-messaging-consumers.js';
import { badToken, connectFailure, natsFailure } from './nats-messaging-errors.js';
import { fetchBatch } from './nats-messaging-fetch.js';
import {
  decodeHeaders,
  durableName,
  encodeHeaders,
  keelMessageId,
  natsMessageId,
  parseToken,
} from './nats-messaging-names.js';
import {
  headerReserveBytes,
  natsMessagingOptions,
  type NatsMessagingOptions,
  type ResolvedNatsMessagingOptions,
} from './nats-messaging-options.js';
import { ensureStream } from './nats-messaging-stream.js';

/**
 * Messaging on NATS JetStream: every subject lives in one stream under the adapter's subject
 * prefix, a consumer is a durable pull consumer filtered to its subject, and each instance that
 * pulls from it is a member of the group. Redelivery after the ack wait, delivery counts, nak
 * delays and de-duplication (`Nats-Msg-Id`) are JetStream's own.
 *
 * @example
 * const messaging = createNatsMessaging({ url: 'nats://127.0.0.1:4222', stream: 'SHOP', subjectPrefix: 'shop' });
 * await messaging.ensureConsumer({ subject: 'orders', name: 'billing', maxDeliveries: 5, deadLetterSubject: 'orders.dead' });
 */
export function createNatsMessaging(options: NatsMessagingOptions = {}): Messaging {
  return buildNatsMessaging(parseOptions(natsMessagingOptions, options, 'createNatsMessaging'));
}

/** The NATS JetStream messaging adapter, for `registerAdapter` or `createKeel(config, { adapters })`. */
export const natsMessagingAdapter = defineAdapter({
  interface: 'messaging',
  id: 'nats',
  package: '@keel/adapter-messaging-nats',
  options: natsMessagingOptions,
  create: (options) => buildNatsMessaging(options),
});

/** Acknowledged or given-up deliveries remembered per consumer, for `ack`/`nak` answering `false`. */
const SETTLED_MEMORY = 50_000;

function buildNatsMessaging(options: ResolvedNatsMessagingOptions): Messaging {
  const { stream, subjectPrefix, requestTimeoutMs: timeout } = options;
  const wire = (subject: string) => `${subjectPrefix}.${subject}`;
  const keelSubject = (subject: string) => subject.slice(subjectPrefix.length + 1);
  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let jsm: JetStreamManager | undefined;
  const consumers = consumerStore(() => jsm as JetStreamManager, stream, wire);
  // JetStream does not say whether an ack found its message pending: this client remembers
  // what it settled, so a second ack of the same message (or one given up) answers false.
  const settled = new Map<string, Set<number>>();
  const connection = () => nc as NatsConnection;

  const run = async <T>(subject: string | undefined, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (thrown) {
      throw natsFailure(thrown, subject);
    }
  };

  function markSettled(durable: string, sequence: number): void {
    let set = settled.get(durable);
    if (!set) settled.set(durable, (set = new Set()));
    set.add(sequence);
    if (set.size > SETTLED_MEMORY) set.delete(set.values().next().value as number);
  }

  async function publish(
    subject: string,
    data: Uint8Array,
    headers: readonly MessagingHeader[],
    messageId: string | undefined,
  ): Promise<PublishReceipt> {
    const h = encodeHeaders(headers, messageId === undefined ? undefined : natsMessageId(subject, messageId));
    const ack = await run(subject, () =>
      (js as JetStreamClient).publish(wire(subject), data, { timeout, ...(h ? { headers: h } : {}) }),
    );
    return { position: String(ack.seq), duplicate: ack.duplicate };
  }

  async function ensureConsumer(config: ResolvedConsumerConfig): Promise<void> {
    const created = await run(config.subject, () => consumers.ensure(config));
    if (created) settled.delete(durableName(config.subject, config.name));
  }

  async function deleteConsumer(subject: string, name: string): Promise<boolean> {
    const durable = durableName(subject, name);
    settled.delete(durable);
    return run(subject, () => consumers.delete(durable));
  }

  async function pull({ subject, consumer, maxMessages, waitMs, signal }: DriverPull): Promise<ReceivedMessage[]> {
    const durable = durableName(subject, consumer);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const settings = consumers.cached(durable) ?? (await run(subject, () => consumers.settings(durable)));
      const fetch = (batch: number, wait: number) =>
        run(subject, () =>
          fetchBatch(connection(), { stream, durable, batch, waitMs: wait, signal, graceMs: timeout }),
        );
      // With a wait: one held request for the first message (a message stored a moment ago may
      // not be in the consumer's view yet, which a no-wait request would miss), then whatever
      // else is ready at once rather than waiting for a full batch.
      const left = deadline - Date.now();
      const waiting = left > 0 && !signal.aborted;
      let got = await fetch(waiting ? 1 : maxMessages, waiting ? left : 0);
      if (waiting && got.messages.length > 0 && maxMessages > 1) {
        const more = await fetch(maxMessages - 1, 0);
        got = { messages: [...got.messages, ...more.messages], answered: more.answered };
      }
      // No answer at all: the consumer may have been deleted by another client. Ask the server.
      if (!got.answered && got.messages.length === 0) await run(subject, () => consumers.settings(durable, true));
      const kept: ReceivedMessage[] = [];
      for (const msg of got.messages) {
        const message = received(msg);
        if (!message) continue;
        const { maxDeliveries } = settings;
        const within = maxDeliveries === undefined || message.deliveries <= maxDeliveries;
        kept.push(within ? message : await giveUp(message, durable, consumer, settings));
      }
      const delivered = kept.filter((m) => m.token !== '');
      if (delivered.length > 0 || got.messages.length === 0 || Date.now() >= deadline || signal.aborted)
        return delivered;
    }
  }

  /** A delivery past the consumer's limit is given up: dead-lettered (if configured) and terminated. */
  async function giveUp(
    message: ReceivedMessage,
    durable: string,
    consumer: string,
    settings: ConsumerSettings,
  ): Promise<ReceivedMessage> {
    const { maxDeliveries, deadLetterSubject, ackWaitMs } = settings;
    if (deadLetterSubject !== undefined) {
      const given = { ...message, deliveries: maxDeliveries as number };
      await publish(deadLetterSubject, message.data, deadLetterHeaders(given, consumer), undefined);
    }
    await run(message.subject, () =>
      connection().request(message.token, '+TERM', { timeout: Math.min(timeout, ackWaitMs) }),
    );
    markSettled(durable, Number(message.position));
    return { ...message, token: '' };
  }

  async function settle(token: string, body: string): Promise<boolean> {
    const parsed = parseToken(token);
    if (!parsed || parsed.stream !== stream) throw badToken();
    if (settled.get(parsed.durable)?.has(parsed.sequence)) return false;
    try {
      await connection().request(token, body, { timeout });
    } catch (thrown) {
      throw natsFailure(thrown, undefined, 'NOT_FOUND');
    }
    if (body === '+ACK') markSettled(parsed.durable, parsed.sequence);
    return true;
  }

  async function nak(token: string, delayMs: number): Promise<boolean> {
    if (delayMs === 0) return settle(token, '-NAK');
    const parsed = parseToken(token);
    if (!parsed || parsed.stream !== stream) throw badToken();
    // The contract caps a delay at the consumer's ack wait; JetStream would wait the whole delay.
    const { ackWaitMs } = await run(undefined, () => consumers.settings(parsed.durable));
    return settle(token, `-NAK ${JSON.stringify({ delay: Math.min(delayMs, ackWaitMs) * 1_000_000 })}`);
  }

  return defineMessaging({
    adapter: 'nats',
    capabilities: {
      durable: options.storage === 'file',
      consumerGroups: true,
      replay: 'time',
      deduplication: true,
      deadLetter: true,
      maxMessageBytes: options.maxMessageBytes,
    },
    async open() {
      const where = options.url.replace(/\/\/[^@/]*@/g, '//');
      try {
        nc = await connect({
          servers: options.url.split(','),
          timeout: options.connectTimeoutMs,
          // The client's default captures a stack trace (an Error) for every request, before
          // knowing whether it fails: most of a publish's or an ack's CPU time. A failure
          // becomes Keel's own error anyway, thrown where the adapter's call awaited it.
          noAsyncTraces: true,
        });
      } catch (thrown) {
        throw connectFailure(where, thrown);
      }
      const payload = nc.info?.max_payload ?? 0;
      if (payload < options.maxMessageBytes + headerReserveBytes) {
        await nc.close();
        throw new MessagingError({
          code: 'UNSUPPORTED',
          message: `maxMessageBytes ${options.maxMessageBytes} needs a server max_payload of at least ${options.maxMessageBytes + headerReserveBytes}; ${where} allows ${payload}: lower maxMessageBytes or raise max_payload`,
        });
      }
      try {
        jsm = await jetstreamManager(nc, { timeout });
        js = jetstream(nc, { timeout });
        await ensureStream(jsm, options);
      } catch (thrown) {
        await nc.close();
        throw natsFailure(thrown);
      }
    },
    async close() {
      await nc?.close();
    },
    health: async () => ({ stream, rttMs: await run(undefined, () => connection().rtt()) }),
    publish,
    ensureConsumer,
    deleteConsumer,
    pull,
    ack: (token) => settle(token, '+ACK'),
    nak,
  });

  function received(msg: Msg): ReceivedMessage | undefined {
    const parsed = parseToken(msg.reply as string);
    if (!parsed) return undefined;
    return {
      subject: keelSubject(msg.subject),
      position: String(parsed.sequence),
      data: msg.data,
      headers: decodeHeaders(msg.headers),
      messageId: keelMessageId(msg.headers?.get('Nats-Msg-Id')),
      publishedAtMs: Number(parsed.timestampNanos / 1_000_000n),
      deliveries: parsed.deliveries,
      token: msg.reply as string,
    };
  }
}
