import { randomUUID } from 'node:crypto';
import type { SqlNotifications } from '@keel/core';
import type { WakeSource } from './wake-ups.js';

/** Longest bucket list sent; a longer one is sent empty, which wakes every partition. */
const maxListLength = 7000;

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
    announce(tx, buckets) {
      const list = buckets.join(',');
      return notifications.notify(channel, `${origin}:${list.length > maxListLength ? '' : list}`, tx);
    },
    listen(wake) {
      const listening = notifications.listen(channel, (payload) => {
        const at = payload.indexOf(':');
        if (at >= 0 && payload.slice(0, at) === origin) return;
        const list = payload.slice(at + 1);
        wake(at < 0 || list === '' ? undefined : list.split(',').map(Number));
      });
      void listening.mapErr(report);
      return () =>
        listening.match(
          (listener) => listener.close(),
          () => undefined,
        );
    },
  };
}
