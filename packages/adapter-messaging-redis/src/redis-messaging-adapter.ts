import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Messaging, MessagingHeader, PublishReceipt, ReceivedMessage } from '@keel/core';
import {
  defineAdapter,
  defineMessaging,
  parseOptions,
  type DriverPull,
  type ResolvedConsumerConfig,
} from '@keel/core/adapter';
import { redisCalls } from './redis-messaging-calls.js';
import { BlockingPool, connect, type ScriptedRedis } from './redis-messaging-connection.js';
import { badToken, commandFailure } from './redis-messaging-errors.js';
import { groupStartId, parseToken } from './redis-messaging-ids.js';
import { type Entry, fresh, received, type StreamReply } from './redis-messaging-replies.js';
import {
  redisMessagingOptions,
  type RedisMessagingOptions,
  type ResolvedRedisMessagingOptions,
} from './redis-messaging-options.js';

/**
 * Messaging on Redis Streams: a subject is a stream, a consumer a consumer group, each
 * instance a member of it. Redelivery after the ack wait is XAUTOCLAIM's, delivery counts are
 * the pending list's, and every call is one command or one atomic script.
 *
 * @example
 * const messaging = createRedisMessaging({ url: 'redis://127.0.0.1:6379', keyPrefix: 'app:msg:' });
 * await messaging.ensureConsumer({ subject: 'orders', name: 'billing', maxDeliveries: 5, deadLetterSubject: 'orders.dead' });
 */
export function createRedisMessaging(options: RedisMessagingOptions = {}): Messaging {
  return buildRedisMessaging(parseOptions(redisMessagingOptions, options, 'createRedisMessaging'));
}

/** The Redis Streams messaging adapter, for `registerAdapter` or `createKeel(config, { adapters })`. */
export const redisMessagingAdapter = defineAdapter({
  interface: 'messaging',
  id: 'redis',
  package: '@keel/adapter-messaging-redis',
  options: redisMessagingOptions,
  create: (options, context) =>
    buildRedisMessaging(options, (error) => context.logger?.warn({ error: error.message }, 'redis connection error')),
});

type WaitingAck = { id: string; resolve: (pending: boolean) => void; reject: (error: unknown) => void };

function buildRedisMessaging(
  options: ResolvedRedisMessagingOptions,
  onError: (error: Error) => void = () => undefined,
): Messaging {
  const { keyPrefix, dedupWindowMs, maxMessagesPerSubject } = options;
  const member = options.member ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const streamKey = (subject: string) => `${keyPrefix}s:${subject}`;
  const settingsKey = (subject: string, consumer: string) => `${keyPrefix}c:${subject}:${consumer}`;
  // Per consumer: where XAUTOCLAIM continues (so a long pending list is walked, not rescanned
  // from its start), and when this member next looks for due redeliveries.
  const claims = new Map<string, { cursor: string; dueAt: number }>();
  // Per consumer, while an ack is on its way: the acks that wait for it to return.
  const acking = new Map<string, WaitingAck[]>();
  let client: ScriptedRedis | undefined;
  let pool: BlockingPool | undefined;
  const redis = () => client as ScriptedRedis;

  const { run, runBlocking, command, failed, close: closeCalls } = redisCalls(options.commandTimeoutMs, redis);

  function publish(
    subject: string,
    data: Uint8Array,
    headers: readonly MessagingHeader[],
    messageId: string | undefined,
  ): Promise<PublishReceipt> {
    const encoded = headers.length === 0 ? '' : JSON.stringify(headers.map((h) => [h.name, h.value]));
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (messageId === undefined) {
      // Nothing to check first: a plain XADD, one command like the raw client's.
      const args: (string | Buffer | number)[] = [streamKey(subject)];
      if (maxMessagesPerSubject !== undefined) args.push('MAXLEN', '~', maxMessagesPerSubject);
      args.push('*', 'd', body);
      if (encoded !== '') args.push('h', encoded);
      return command<string>('xadd', args).then((id) => ({ position: id, duplicate: false }), failed(subject));
    }
    const keys = [streamKey(subject), `${keyPrefix}d:${subject}:${messageId}`];
    return run(subject, () =>
      redis().keelPublish(2, ...keys, body, encoded, messageId, dedupWindowMs, maxMessagesPerSubject ?? 0),
    ).then((reply) => {
      const [id, duplicate] = reply as [string, number];
      return { position: id, duplicate: duplicate === 1 };
    });
  }

  async function ensureConsumer(config: ResolvedConsumerConfig): Promise<void> {
    const { subject, name, start, ackWaitMs, maxDeliveries, deadLetterSubject } = config;
    const startId = groupStartId(start, subject);
    // Its ack wait may change: look for due redeliveries on the next pull.
    claims.delete(`${subject}|${name}`);
    await run(subject, () =>
      redis().keelEnsure(
        2,
        streamKey(subject),
        settingsKey(subject, name),
        name,
        startId,
        ackWaitMs,
        maxDeliveries ?? '',
        deadLetterSubject ?? '',
      ),
    );
  }

  async function deleteConsumer(subject: string, name: string): Promise<boolean> {
    claims.delete(`${subject}|${name}`);
    return (
      (await run(subject, () => redis().keelDelete(2, streamKey(subject), settingsKey(subject, name), name))) === 1
    );
  }

  /**
   * What is ready for this member: due redeliveries, then new messages. Looking for due
   * redeliveries (the pull script, with XAUTOCLAIM) is done at most every quarter of the ack
   * wait (and at most every 250 ms) per consumer; in between, and when the last look found
   * nothing due, a pull is one plain XREADGROUP, like the raw client's. A nak from this member
   * makes the next pull look at once.
   */
  function ready(subject: string, name: string, count: number): Promise<ReceivedMessage[]> {
    const key = `${subject}|${name}`;
    const state = claims.get(key);
    if (state === undefined || Date.now() >= state.dueAt) return claimAndRead(subject, name, count, key, state);
    return command<StreamReply>(
      'xreadgroup',
      ['GROUP', name, member, 'COUNT', count, 'STREAMS', streamKey(subject), '>'],
      true,
    ).then((reply) => fresh(subject, name, reply), failed(subject));
  }

  /** The pull script's round: due redeliveries (and dead letters), then new messages. */
  async function claimAndRead(
    subject: string,
    name: string,
    count: number,
    key: string,
    state: { cursor: string } | undefined,
  ): Promise<ReceivedMessage[]> {
    const [next, entries, ackWait] = (await run(subject, () =>
      redis().keelPullBuffer(
        2,
        streamKey(subject),
        settingsKey(subject, name),
        name,
        member,
        count,
        state?.cursor ?? '0-0',
        keyPrefix,
      ),
    )) as [Buffer, Entry[], Buffer];
    const everyMs = Math.min(250, Math.max(1, Math.floor(Number(ackWait.toString()) / 4)));
    claims.set(key, { cursor: next.toString(), dueAt: Date.now() + everyMs });
    return entries.map((entry) => received(subject, name, entry));
  }

  /** A blocking read of new messages on a pool connection, for at most `ms`. */
  async function blockFor(
    subject: string,
    name: string,
    count: number,
    ms: number,
    signal: AbortSignal,
  ): Promise<ReceivedMessage[]> {
    const reply = await runBlocking(subject, () =>
      (pool as BlockingPool).use(
        signal,
        (blocking) =>
          blocking.xreadgroupBuffer(
            'GROUP',
            name,
            member,
            'COUNT',
            count,
            'BLOCK',
            ms,
            'STREAMS',
            streamKey(subject),
            '>',
          ) as Promise<StreamReply>,
      ),
    );
    return fresh(subject, name, reply);
  }

  function pull(request: DriverPull): Promise<ReceivedMessage[]> {
    // Not waiting: one read, without the loop's promise.
    if (request.waitMs === 0 || request.signal.aborted)
      return ready(request.subject, request.consumer, request.maxMessages);
    return pullWaiting(request);
  }

  async function pullWaiting({ subject, consumer, maxMessages, waitMs, signal }: DriverPull) {
    const deadline = Date.now() + waitMs;
    // Block in slices: between them, redeliveries that fell due are picked up, and a slice ends well within commandTimeoutMs.
    const slice = Math.min(1000, Math.floor(options.commandTimeoutMs / 2));
    for (;;) {
      const got = await ready(subject, consumer, maxMessages);
      const left = deadline - Date.now();
      if (got.length > 0 || left <= 0 || signal.aborted) return got;
      try {
        const arrived = await blockFor(subject, consumer, maxMessages, Math.max(1, Math.min(left, slice)), signal);
        if (arrived.length > 0) return arrived;
      } catch (thrown) {
        // An abort (close, or a subscription stopping) disconnects the blocking connection to end its wait.
        if (signal.aborted) return [];
        throw thrown;
      }
      if (signal.aborted) return [];
    }
  }

  function settle(token: string, nakDelayMs: number | undefined): Promise<boolean> {
    const parsed = parseToken(token);
    if (!parsed) return Promise.reject(badToken());
    const { subject, consumer, id } = parsed;
    const keys = [streamKey(subject), settingsKey(subject, consumer)] as const;
    if (nakDelayMs !== undefined) {
      claims.delete(`${subject}|${consumer}`);
      return run(subject, () => redis().keelNak(2, ...keys, consumer, member, id, nakDelayMs)).then((n) => n === 1);
    }
    // While an ack of this consumer is on its way, the next ones wait and go together in one
    // script: a burst (a batch acknowledged in a loop) costs two round trips, not one per message,
    // and an ack on its own goes at once.
    const key = `${subject}|${consumer}`;
    const queued = acking.get(key);
    if (queued) return new Promise((resolve, reject) => queued.push({ id, resolve, reject }));
    const waiting: WaitingAck[] = [];
    acking.set(key, waiting);
    const drain = () =>
      waiting.length === 0 ? acking.delete(key) : void ackQueued(key, keys, consumer, subject, waiting);
    // A plain XACK first (one command, like the raw client's); only a 0 needs the script to
    // tell "not pending" from "no such consumer" (XACK answers 0 for a missing group too).
    // Those queued meanwhile go once its reply is in, or fail with it: behind a call that timed
    // out, a batch would wait a timeout of its own.
    return command<number>('xack', [keys[0], consumer, id]).then(
      (acked) => {
        drain();
        return acked === 1 || run(subject, () => redis().keelAck(2, ...keys, consumer, id)).then((n) => n === 1);
      },
      (thrown: unknown) => {
        const failure = commandFailure(thrown, subject);
        acking.delete(key);
        for (const w of waiting.splice(0)) w.reject(failure);
        throw failure;
      },
    );
  }

  async function ackQueued(
    key: string,
    keys: readonly [string, string],
    consumer: string,
    subject: string,
    waiting: WaitingAck[],
  ): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.splice(0);
      try {
        const ids = batch.map((w) => w.id);
        const acked = (await run(subject, () => redis().keelAckMany(2, ...keys, consumer, ...ids))) as number[];
        for (const [i, w] of batch.entries()) w.resolve(acked[i] === 1);
      } catch (thrown) {
        for (const w of [...batch, ...waiting.splice(0)]) w.reject(thrown);
      }
    }
    acking.delete(key);
  }

  return defineMessaging({
    adapter: 'redis',
    capabilities: {
      durable: true,
      consumerGroups: true,
      replay: 'time',
      deduplication: true,
      deadLetter: true,
      maxMessageBytes: options.maxMessageBytes,
    },
    async open() {
      client = await connect(options, onError);
      pool = new BlockingPool(client, onError);
    },
    async close() {
      closeCalls();
      pool?.close();
      await client?.quit().catch(() => client?.disconnect());
    },
    health: async () => ({ member, ping: await run(undefined, () => redis().ping()) }),
    publish,
    ensureConsumer,
    deleteConsumer,
    pull,
    ack: (token) => settle(token, undefined),
    nak: (token, delayMs) => settle(token, delayMs),
  });
}
