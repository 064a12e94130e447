import { randomUUID } from 'node:crypto';
import type { SqlNotifications } from '@keel/core';
import type { WakeSource } from './wake-ups.js';

/** Longest bucket list sent; a longer one is sent empty, which wakes every partition. */
const maxListLength = 7000;
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
    announce(tx, buckets) {
      const list = buckets.join(',');
      return notifications.notify(channel, `${origin}:${list.length > maxListLength ? '' : list}`, tx);
    },
    listen(wake) {
      const throttled = throttle(wake);
      const listening = notifications.listen(channel, (payload) => {
        const at = payload.indexOf(':');
        if (at >= 0 && payload.slice(0, at) === origin) return;
        const list = payload.slice(at + 1);
        throttled.add(at < 0 || list === '' ? undefined : list.split(',').map(Number));
      });
      // What was announced before the LISTEN took hold went unheard: look once now, not at the next poll.
      void listening.map(() => throttled.add(undefined)).mapErr(report);
      return async () => {
        throttled.stop();
        await listening.match(
          (listener) => listener.close(),
          () => undefined,
        );
      };
    },
  };
}

/** Wakes at once, then at most once per window with the buckets gathered meanwhile (`undefined`: all). */
function throttle(wake: (buckets?: readonly number[]) => void) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gathered: Set<number> | 'all' | undefined;
  let count = 0;
  let windowMs = minWindowMs;
  const flush = () => {
    timer = undefined;
    if (gathered === undefined) {
      windowMs = minWindowMs;
      return;
    }
    if (count > 1) windowMs = Math.min(windowMs * 2, maxWindowMs);
    const buckets = gathered === 'all' ? undefined : [...gathered];
    gathered = undefined;
    count = 0;
    timer = setTimeout(flush, windowMs);
    wake(buckets);
  };
  return {
    add(buckets: readonly number[] | undefined) {
      count++;
      if (buckets === undefined || gathered === 'all') gathered = 'all';
      else {
        gathered ??= new Set();
        for (const b of buckets) gathered.add(b);
      }
      if (timer === undefined) flush();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
      gathered = undefined;
    },
  };
}
