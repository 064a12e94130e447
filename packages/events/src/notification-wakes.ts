import { randomUUID } from 'node:crypto';
import { listenForWakes, type SqlNotifications, wakePayload } from '@keel/core';
import type { WakeSource } from './wake-ups.js';

/**
 * Wake-ups from notifications come at most once per window: the first at once, those that come
 * meanwhile together at its end. The window doubles (up to `maxWindowMs`) while several
 * notifications come per window, stays while one does, and is back to `minWindowMs` after a
 * quiet one: publishes a few ms apart are heard at once, while a busy publisher no longer makes
 * every partition of every consumer process read (the horizon included) once per publish. See
 * DESIGN.md for what it costs and saves.
 */
const minWindowMs = 10;
const maxWindowMs = 100;

/**
 * The wake source on `sql.notifications` (PostgreSQL's LISTEN/NOTIFY), made by the store when
 * the sql has the `notifications` capability: each publish notifies `channel` in its own
 * transaction (so the notification leaves at commit, never for a rollback) with the buckets it
 * wrote, and the store's subscribers in every process look at once instead of at their next
 * poll. The payload is `<origin>:<bucket>,<bucket>…`; a store ignores its own origin, since
 * its watcher already wakes its subscribers for its own publishes. A listener that cannot start
 * is reported, and polling carries on alone.
 *
 * @example
 * createEvents(sql, { wakeSources: [notificationWakes(sql.notifications!, 'orders_wake', report)] });
 */
export function notificationWakes(
  notifications: SqlNotifications,
  channel: string,
  report: (error: Error) => void,
): WakeSource {
  const origin = randomUUID().slice(0, 8);
  return {
    announce: (tx, buckets) => notifications.notify(channel, wakePayload(origin, buckets.join(',')), tx),
    listen: (wake) =>
      listenForWakes(notifications, channel, {
        origin,
        parse: (list) => list.split(',').map(Number),
        wake,
        report,
        minWindowMs,
        maxWindowMs,
      }),
  };
}
