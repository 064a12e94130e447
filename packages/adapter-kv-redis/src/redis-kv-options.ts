import { boolean, integer, kvLimitsOption, maxTimerMs, option, string, text } from '@keel/core/adapter';
import * as v from 'valibot';

/**
 * The options of `createRedisKv`, declared once: the type, the checks and the README table come
 * from here. The connection is `url`, or the separate fields, or both: a field given beside `url`
 * wins (a password kept out of the URL, in a secret, is the usual case).
 *
 * @example
 * const { url, keyPrefix } = parseOptions(redisKvOptions, { url: 'redis://127.0.0.1:6379' }, 'createRedisKv');
 */
export const redisKvOptions = v.strictObject({
  url: option(text('expected a redis:// or rediss:// URL'), {
    description:
      'The server, as `redis://[[username]:password@]host[:port][/db]`; `rediss://` turns TLS on. ' +
      'Checked by `open()`, which never repeats the password in a message.',
    defaultText: '`redis://127.0.0.1:6379`',
  }),
  host: option(text(), { description: 'Host name or IP address; overrides the URL’s.', defaultText: '`127.0.0.1`' }),
  port: option(integer(1, 65_535), { description: 'TCP port; overrides the URL’s.', defaultText: '`6379`' }),
  db: option(integer(0, 2_147_483_647), { description: 'Database number; overrides the URL’s.', defaultText: '`0`' }),
  username: option(text(), { description: 'ACL user name; overrides the URL’s.' }),
  password: option(string(), { description: 'Password; overrides the URL’s. Never printed.' }),
  tls: option(boolean(), {
    description: 'Connect over TLS (with the system’s CAs). `rediss://` URLs turn it on too.',
    defaultText: '`false`',
  }),
  keyPrefix: option(string(), {
    default: 'keel:kv:',
    description:
      'Put before every Redis key this store uses (values, the scan index, the expiry index), so that several ' +
      'apps or tenants can share one Redis. Stores with different prefixes never see each other’s keys.',
  }),
  connectTimeoutMs: option(integer(1, maxTimerMs), {
    default: 5000,
    description: 'How long `open()` (and each reconnect) may take to connect, authenticate and select the db, in ms.',
  }),
  commandTimeoutMs: option(integer(1, maxTimerMs), {
    default: 5000,
    description:
      'How long a call may wait for its reply, queued while reconnecting included, before it is `UNAVAILABLE`, in ms.',
  }),
  limits: kvLimitsOption,
});

/** Options of `createRedisKv`. */
export type RedisKvOptions = v.InferInput<typeof redisKvOptions>;
/** The options with every default filled in. */
export type ResolvedRedisKvOptions = v.InferOutput<typeof redisKvOptions>;
