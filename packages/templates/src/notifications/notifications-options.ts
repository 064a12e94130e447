import type { Sql } from '@keel/core';
import { clockOption, integer, option, required, shaped, withMethods } from '@keel/core/adapter';
import * as v from 'valibot';
import type { DigestJobs } from './digest-job.js';
import type { NotificationChannel } from './notification-channel.js';

const mode = v.picklist(['immediate', 'digest', 'off'], "expected 'immediate', 'digest' or 'off'");
const channel = withMethods<NotificationChannel>('a NotificationChannel', ['deliver', 'deliverDigest']);

/** The options of `createNotifications`, declared once: the type, the checks and the README table come from it. */
export const notificationsOptions = v.strictObject({
  sql: required(
    withMethods<Sql>('a Sql instance', ['transaction', 'query', 'execute']),
    'Where preferences and pending digests are kept.',
  ),
  jobs: required(
    shaped<DigestJobs>('a Jobs instance with `notificationJobs` defined', (value) =>
      ['enqueue', 'work'].every((m) => typeof (value as Record<string, unknown> | null)?.[m] === 'function'),
    ),
    'The `@keel/jobs` instance the digests run on; its definitions include `notificationJobs`.',
  ),
  channels: required(
    v.pipe(
      v.record(v.pipe(v.string(), v.regex(/^[a-z][\w-]{0,99}$/)), channel),
      v.check((c) => Object.keys(c).length > 0, 'expected at least one channel'),
    ),
    'The channels by name (`email`, `realtime`, …): each `{ deliver, deliverDigest }`.',
  ),
  defaults: option(v.record(v.string(), mode), {
    default: {},
    description: "Each channel's mode for a user who set none, by channel name; a channel not listed is `'immediate'`.",
  }),
  periodMs: option(integer(60_000, 31 * 86_400_000), {
    default: 86_400_000,
    description:
      'The digest period: notifications of `[start, start + periodMs)` (periods counted from the epoch, UTC days by default) go out together at its end.',
  }),
  table: option(v.pipe(v.string(), v.regex(/^[A-Za-z_]\w{0,40}$/, 'expected a plain identifier')), {
    default: 'keel_notifications',
    description: 'The prefix of the tables (`<table>_preferences`, `<table>_pending`) and the migrator scope.',
  }),
  clock: clockOption(),
});

export type NotificationsOptions = v.InferInput<typeof notificationsOptions>;
