import { maxPayloadBytes, type SqlNotifications } from './sql-notifications.js';

/**
 * The payload of a wake-up on `sql.notifications`: `<origin>:<keys>`. `origin` names the instance
 * that already woke its own listeners (its listener skips the echo), or is empty when none did;
 * `keys` narrows the wake-up (a job name, a list of buckets), or is empty for "everything";
 * keys too long for a notification are sent empty too.
 */
export function wakePayload(origin: string, keys: string): string {
  const fits = Buffer.byteLength(keys) <= maxPayloadBytes - Buffer.byteLength(origin) - 1;
  return `${origin}:${fits ? keys : ''}`;
}

export interface WakeListenerOptions<K> {
  /** This instance's origin: its own wake-ups are skipped. */
  readonly origin: string;
  /** The keys in a payload's non-empty key part. */
  parse(keys: string): Iterable<K>;
  /** Called with the keys gathered in a window, or `undefined`: everything. */
  wake(keys: readonly K[] | undefined): void;
  /** A listener that cannot start: polling carries on alone. */
  report(error: Error): void;
  /** The first wake-up is at once, those that come meanwhile together at the window's end. Default 10. */
  readonly minWindowMs?: number;
  /**
   * While several wake-ups come per window, the window doubles up to this, so that a busy sender
   * makes its listeners look in batches rather than once per notification; after a quiet window
   * it is back to `minWindowMs`. Default `minWindowMs` (a fixed window).
   */
  readonly maxWindowMs?: number;
}

/**
 * Listens on `channel` for the wake-ups other processes send with `wakePayload`, and calls
 * `wake` with what they name, gathered in windows. Once the LISTEN holds it wakes everything
 * once: what was announced before went unheard. Returns how to stop (awaited at close).
 *
 * @example
 * const stop = listenForWakes(sql.notifications!, 'keel_jobs_wake', {
 *   origin, parse: (name) => [name], wake: (names) => poke(names), report,
 * });
 * await sql.notifications!.notify('keel_jobs_wake', wakePayload('', 'digest.send'), tx);
 * await stop();
 */
export function listenForWakes<K>(
  notifications: SqlNotifications,
  channel: string,
  options: WakeListenerOptions<K>,
): () => Promise<void> {
  const { origin, parse, report } = options;
  const window = gatheringWindow(options);
  const listening = notifications.listen(channel, (payload) => {
    const at = payload.indexOf(':');
    if (at > 0 && payload.slice(0, at) === origin) return;
    const keys = payload.slice(at + 1);
    window.add(at < 0 || keys === '' ? undefined : parse(keys));
  });
  void listening.map(() => window.add(undefined)).mapErr(report);
  return async () => {
    window.stop();
    await listening.match(
      (listener) => listener.close(),
      () => undefined,
    );
  };
}

/** Wakes at once, then at most once per window with the keys gathered meanwhile (`undefined`: all). */
function gatheringWindow<K>({ wake, minWindowMs = 10, maxWindowMs = minWindowMs }: WakeListenerOptions<K>) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gathered: Set<K> | 'all' | undefined;
  let count = 0;
  let windowMs = minWindowMs;
  const flush = () => {
    timer = undefined;
    if (gathered === undefined) {
      windowMs = minWindowMs;
      return;
    }
    if (count > 1) windowMs = Math.min(windowMs * 2, maxWindowMs);
    const keys = gathered === 'all' ? undefined : [...gathered];
    gathered = undefined;
    count = 0;
    timer = setTimeout(flush, windowMs);
    wake(keys);
  };
  return {
    add(keys: Iterable<K> | undefined) {
      count++;
      if (keys === undefined || gathered === 'all') gathered = 'all';
      else {
        gathered ??= new Set();
        for (const key of keys) gathered.add(key);
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
