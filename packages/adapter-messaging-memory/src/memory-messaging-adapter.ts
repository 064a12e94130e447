import {
  type Messaging,
  MessagingError,
  type MessagingHeader,
  type PublishReceipt,
  type ReceivedMessage,
} from '@keel/core';
import {
  deadLetterHeaders,
  defineAdapter,
  defineMessaging,
  parseOptions,
  type DriverPull,
  type ResolvedConsumerConfig,
} from '@keel/core/adapter';
import {
  MemoryBroker,
  type ConsumerState,
  type Pending,
  type StoredMessage,
  type SubjectLog,
} from './memory-broker.js';
import {
  memoryMessagingOptions,
  type MemoryMessagingOptions,
  type ResolvedMemoryMessagingOptions,
} from './memory-messaging-options.js';

/**
 * Messaging in process memory: every guarantee of the contract, nothing survives the process.
 * For tests, and for one process that wants queues without a server.
 *
 * @example
 * const messaging = createMemoryMessaging();
 * await messaging.ensureConsumer({ subject: 'orders', name: 'billing' });
 * await messaging.publish('orders', 'hello');
 */
export function createMemoryMessaging(options: MemoryMessagingOptions = {}): Messaging {
  return buildMemoryMessaging(parseOptions(memoryMessagingOptions, options, 'createMemoryMessaging'));
}

/** The memory messaging adapter, for `registerAdapter` or `createKeel(config, { adapters })`. */
export const memoryMessagingAdapter = defineAdapter({
  interface: 'messaging',
  id: 'memory',
  package: '@keel/adapter-messaging-memory',
  options: memoryMessagingOptions,
  create: (options) => buildMemoryMessaging(options),
});

function buildMemoryMessaging(options: ResolvedMemoryMessagingOptions): Messaging {
  const { clock, dedupWindowMs, maxMessagesPerSubject } = options;
  const broker = options.broker ?? new MemoryBroker();

  function publish(
    subject: string,
    data: Uint8Array,
    headers: readonly MessagingHeader[],
    messageId: string | undefined,
  ): PublishReceipt {
    const log = broker.log(subject);
    const now = clock.now();
    forgetOldIds(log, now);
    const prior = messageId === undefined ? undefined : log.ids.get(messageId);
    if (prior) return { position: String(prior.seq), duplicate: true };
    const seq = ++log.lastSeq;
    log.messages.push({ seq, data, headers, messageId, publishedAtMs: now });
    if (messageId !== undefined) log.ids.set(messageId, { seq, at: now });
    if (maxMessagesPerSubject !== undefined && log.messages.length > maxMessagesPerSubject) log.messages.shift();
    log.wake();
    return { position: String(seq), duplicate: false };
  }

  function forgetOldIds(log: SubjectLog, now: number): void {
    for (const [id, { at }] of log.ids) {
      if (at + dedupWindowMs > now) break;
      log.ids.delete(id);
    }
  }

  function consumerOf(subject: string, name: string): { log: SubjectLog; consumer: ConsumerState } {
    const log = broker.subjects.get(subject);
    const consumer = log?.consumers.get(name);
    if (!log || !consumer)
      throw new MessagingError({
        code: 'NOT_FOUND',
        message: `no consumer '${name}' on subject '${subject}': create it with ensureConsumer`,
        subject,
      });
    return { log, consumer };
  }

  function ensureConsumer(config: ResolvedConsumerConfig): void {
    const log = broker.log(config.subject);
    const existing = log.consumers.get(config.name);
    if (existing) {
      existing.config = config;
      return;
    }
    log.consumers.set(config.name, { config, next: startSeq(log, config), pending: new Map() });
  }

  /** Delivers what is ready: due redeliveries first (giving up those past the limit), then new messages. */
  function take(log: SubjectLog, consumer: ConsumerState, max: number): ReceivedMessage[] {
    const now = clock.now();
    const out: ReceivedMessage[] = [];
    const { ackWaitMs, maxDeliveries } = consumer.config;
    for (const [seq, pending] of consumer.pending) {
      if (out.length >= max) break;
      if (pending.dueAt > now) continue;
      const message = log.get(seq);
      if (!message) {
        consumer.pending.delete(seq);
      } else if (maxDeliveries !== undefined && pending.deliveries >= maxDeliveries) {
        giveUp(consumer, message, pending);
      } else {
        pending.deliveries += 1;
        pending.dueAt = now + ackWaitMs;
        out.push(received(consumer, message, pending));
      }
    }
    consumer.next = Math.max(consumer.next, log.firstSeq);
    while (out.length < max && consumer.next <= log.lastSeq) {
      const message = log.get(consumer.next++) as StoredMessage;
      const pending = { deliveries: 1, dueAt: now + ackWaitMs };
      consumer.pending.set(message.seq, pending);
      out.push(received(consumer, message, pending));
    }
    return out;
  }

  function giveUp(consumer: ConsumerState, message: StoredMessage, pending: Pending): void {
    consumer.pending.delete(message.seq);
    const { deadLetterSubject, name } = consumer.config;
    if (deadLetterSubject === undefined) return;
    const last = received(consumer, message, pending);
    publish(deadLetterSubject, message.data, deadLetterHeaders(last, name), undefined);
  }

  async function pull({
    subject,
    consumer: name,
    maxMessages,
    waitMs,
    signal,
  }: DriverPull): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const { log, consumer } = consumerOf(subject, name);
      const got = take(log, consumer, maxMessages);
      const left = deadline - Date.now();
      if (got.length > 0 || left <= 0 || signal.aborted) return got;
      await log.wait(left, signal);
    }
  }

  function settle(token: string, nakDelayMs: number | undefined): boolean {
    const { subject, name, seq } = parseToken(token);
    const { log, consumer } = consumerOf(subject, name);
    const pending = consumer.pending.get(seq);
    if (!pending) return false;
    if (nakDelayMs === undefined) {
      consumer.pending.delete(seq);
    } else {
      // The contract caps a nak delay at the ack wait (what Redis Streams can do).
      pending.dueAt = clock.now() + Math.min(nakDelayMs, consumer.config.ackWaitMs);
      log.wake();
    }
    return true;
  }

  return defineMessaging({
    adapter: 'memory',
    capabilities: {
      durable: false,
      consumerGroups: true,
      replay: 'time',
      deduplication: true,
      deadLetter: true,
      maxMessageBytes: options.maxMessageBytes,
    },
    health: () => ({ subjects: broker.subjects.size }),
    publish,
    ensureConsumer,
    deleteConsumer: (subject, name) => broker.subjects.get(subject)?.consumers.delete(name) ?? false,
    pull,
    ack: (token) => settle(token, undefined),
    nak: (token, delayMs) => settle(token, delayMs),
  });
}

function startSeq(log: SubjectLog, config: ResolvedConsumerConfig): number {
  const { start } = config;
  switch (start.kind) {
    case 'all':
      return log.firstSeq;
    case 'new':
      return log.lastSeq + 1;
    case 'at-position': {
      if (!/^[1-9]\d{0,15}$/.test(start.position))
        throw new MessagingError({
          code: 'INVALID_ARGUMENT',
          message: `start position '${start.position}' is not a position of this adapter`,
          subject: config.subject,
        });
      return Number(start.position);
    }
    case 'at-time':
      return log.messages.find((m) => m.publishedAtMs >= start.ms)?.seq ?? log.lastSeq + 1;
  }
}

function received(consumer: ConsumerState, message: StoredMessage, pending: Pending): ReceivedMessage {
  const { subject, name } = consumer.config;
  return {
    subject,
    position: String(message.seq),
    data: message.data.slice(),
    headers: message.headers,
    messageId: message.messageId,
    publishedAtMs: message.publishedAtMs,
    deliveries: pending.deliveries,
    token: `${subject}|${name}|${message.seq}`,
  };
}

function parseToken(token: string): { subject: string; name: string; seq: number } {
  const match = /^([^|]+)\|([^|]+)\|([1-9]\d{0,15})$/.exec(token);
  if (!match) throw new MessagingError({ code: 'INVALID_ARGUMENT', message: 'token is not one this adapter issued' });
  return { subject: match[1] as string, name: match[2] as string, seq: Number(match[3]) };
}
