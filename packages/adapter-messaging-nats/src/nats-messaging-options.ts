import { integer, maxTimerMs, messagingStoreOptions, oneOf, option, text } from '@keel/core/adapter';
import * as v from 'valibot';

/**
 * Room kept under the server's `max_payload` for what NATS adds around a message: the header
 * block's framing, `Nats-Msg-Id`, and the `Keel-Dead-Letter-*` headers of a dead letter.
 */
export const headerReserveBytes = 4096;

const NAME = /^[A-Za-z0-9_-]{1,200}$/;
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * The options of `createNatsMessaging`, declared once: the type, the checks and the README
 * table come from here.
 *
 * @example
 * const options = parseOptions(natsMessagingOptions, { url: 'nats://127.0.0.1:4222' }, 'createNatsMessaging');
 */
export const natsMessagingOptions = v.strictObject({
  url: option(text('expected a nats:// URL'), {
    default: 'nats://127.0.0.1:4222',
    description: 'The server, as `nats://host[:port]`; several, comma-separated, for a cluster.',
  }),
  stream: option(v.pipe(v.string(), v.regex(NAME, 'expected 1 to 200 ASCII letters, digits, `_` and `-`')), {
    default: 'KEEL_MSG',
    description:
      'The JetStream stream that holds every subject of this adapter; created at `open()` when missing, its subjects and de-duplication window set when present.',
  }),
  subjectPrefix: option(v.pipe(v.string(), v.regex(PREFIX, 'expected dot-separated tokens such as `keel.msg`')), {
    default: 'keel.msg',
    description:
      'Put before every subject on the wire (`orders` is `keel.msg.orders`); the stream takes `<subjectPrefix>.>`, so two apps with their own prefix and stream never collide.',
  }),
  storage: option(oneOf(['file', 'memory'] as const), {
    default: 'file',
    description:
      'Where the stream keeps messages when `open()` creates it: `memory` does not survive a server restart.',
  }),
  ...messagingStoreOptions,
  maxMessageBytes: option(integer(1, 512 * 1024 * 1024), {
    default: 1024 * 1024 - headerReserveBytes,
    description:
      'Largest message (data plus header names and values), in bytes. Must be at least 4 KiB under the server’s `max_payload` (1 MiB unless configured), or `open()` fails.',
  }),
  connectTimeoutMs: option(integer(1, maxTimerMs), {
    default: 5000,
    description: 'How long `open()` may take to connect, in ms.',
  }),
  requestTimeoutMs: option(integer(100, maxTimerMs), {
    default: 5000,
    description: 'How long a call may wait for the server’s answer before it is `TIMEOUT`, in ms.',
  }),
});

/** Options of `createNatsMessaging`. */
export type NatsMessagingOptions = v.InferInput<typeof natsMessagingOptions>;
/** The options with every default filled in. */
export type ResolvedNatsMessagingOptions = v.InferOutput<typeof natsMessagingOptions>;
