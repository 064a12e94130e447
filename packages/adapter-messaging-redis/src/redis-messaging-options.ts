import { integer, maxTimerMs, option, string, text, messagingStoreOptions } from '@keel/core/adapter';
import * as v from 'valibot';

/**
 * The options of `createRedisMessaging`, declared once: the type, the checks and the README
 * table come from here.
 *
 * @example
 * const options = parseOptions(redisMessagingOptions, { url: 'redis://127.0.0.1:6379' }, 'createRedisMessaging');
 */
export const redisMessagingOptions = v.strictObject({
  url: option(text('expected a redis:// or rediss:// URL'), {
    default: 'redis://127.0.0.1:6379',
    description: 'The server, as `redis://[[username]:password@]host[:port][/db]`; `rediss://` turns TLS on.',
  }),
  keyPrefix: option(string(), {
    default: 'keel:msg:',
    description:
      'Put before every Redis key this adapter uses (streams, consumer settings, de-duplication ids), so that several apps share one Redis.',
  }),
  member: option(text(), {
    description:
      'This client’s name inside consumer groups (Redis’s consumer name). Unique per process; a restarted process may reuse its name to take back what it had pending.',
    defaultText: 'host:pid:random',
  }),
  ...messagingStoreOptions,
  maxMessagesPerSubject: option(integer(1, 2 ** 31 - 1), {
    description:
      'Trims each subject’s stream to about this many messages (`XADD MAXLEN ~`); a trimmed message still pending is never redelivered.',
    defaultText: 'unlimited',
  }),
  connectTimeoutMs: option(integer(1, maxTimerMs), {
    default: 5000,
    description: 'How long `open()` may take to connect, in ms.',
  }),
  commandTimeoutMs: option(integer(100, maxTimerMs), {
    default: 5000,
    description:
      'How long a call may wait for its reply before it is `TIMEOUT`, in ms (checked every quarter of it, so at most 1.25× this; a blocking pull waits in slices shorter than this).',
  }),
});

/** Options of `createRedisMessaging`. */
export type RedisMessagingOptions = v.InferInput<typeof redisMessagingOptions>;
/** The options with every default filled in. */
export type ResolvedRedisMessagingOptions = v.InferOutput<typeof redisMessagingOptions>;
