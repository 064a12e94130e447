import { errAsync, okAsync } from 'neverthrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { listenForWakes, SqlError, type SqlNotifications, wakePayload } from '../src/index.js';

/**
 * One channel in this process: what `notify` sends reaches the listener at once. The wake logic
 * is what is tested here; the jobs and events packages test it again through PostgreSQL.
 */
function channel(options: { failListen?: boolean } = {}) {
  let deliver: ((payload: string) => void) | undefined;
  let closed = 0;
  const notifications: SqlNotifications = {
    listen: (name, onNotification) => {
      if (options.failListen) return errAsync(new SqlError({ code: 'CONNECTION', message: 'no LISTEN', adapter: 't' }));
      deliver = onNotification;
      return okAsync({ channel: name, close: async () => void closed++ });
    },
    notify: (_name, payload = '') => {
      deliver?.(payload);
      return okAsync(undefined);
    },
  };
  return { notifications, send: (payload: string) => deliver?.(payload), closed: () => closed };
}

describe('wake-ups on sql.notifications', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const listen = (notifications: SqlNotifications, extra: { maxWindowMs?: number; report?: (e: Error) => void }) => {
    const wakes: (string[] | undefined)[] = [];
    const stop = listenForWakes(notifications, 'ch', {
      origin: 'me',
      parse: (keys) => keys.split(','),
      wake: (keys) => wakes.push(keys === undefined ? undefined : [...keys].sort()),
      report: extra.report ?? (() => undefined),
      minWindowMs: 10,
      ...(extra.maxWindowMs ? { maxWindowMs: extra.maxWindowMs } : {}),
    });
    return { wakes, stop };
  };

  it('looks once when the LISTEN holds, skips its own origin, and wakes all for empty keys', async () => {
    const ch = channel();
    const { wakes } = listen(ch.notifications, {});
    await vi.advanceTimersByTimeAsync(0);
    expect(wakes).toEqual([undefined]);
    await vi.advanceTimersByTimeAsync(20);
    ch.send(wakePayload('me', 'a'));
    ch.send(wakePayload('other', 'a,b'));
    expect(wakes).toEqual([undefined, ['a', 'b']]);
    await vi.advanceTimersByTimeAsync(20);
    ch.send(wakePayload('', ''));
    ch.send('no origin at all');
    expect(wakes).toEqual([undefined, ['a', 'b'], undefined]);
    await vi.advanceTimersByTimeAsync(20);
    expect(wakes).toEqual([undefined, ['a', 'b'], undefined, undefined]);
  });

  it('gathers what comes within a window, and widens it while a sender is busy', async () => {
    const ch = channel();
    const { wakes } = listen(ch.notifications, { maxWindowMs: 40 });
    await vi.advanceTimersByTimeAsync(100);
    wakes.length = 0;
    ch.send(wakePayload('x', '1'));
    ch.send(wakePayload('y', '2'));
    ch.send(wakePayload('y', '3,2'));
    expect(wakes).toEqual([['1']]);
    await vi.advanceTimersByTimeAsync(10);
    expect(wakes).toEqual([['1'], ['2', '3']]);
    // Two came in the last window: the next is 20 ms.
    ch.send(wakePayload('x', '4'));
    ch.send(wakePayload('x', '5'));
    await vi.advanceTimersByTimeAsync(10);
    expect(wakes).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(10);
    expect(wakes).toEqual([['1'], ['2', '3'], ['4', '5']]);
    // A quiet window: back to one at once.
    await vi.advanceTimersByTimeAsync(100);
    ch.send(wakePayload('x', '6'));
    expect(wakes.at(-1)).toEqual(['6']);
  });

  it('keeps a fixed window without a maxWindowMs', async () => {
    const ch = channel();
    const { wakes } = listen(ch.notifications, {});
    await vi.advanceTimersByTimeAsync(100);
    for (let i = 0; i < 5; i++) ch.send(wakePayload('x', String(i)));
    await vi.advanceTimersByTimeAsync(10);
    ch.send(wakePayload('x', 'late'));
    ch.send(wakePayload('x', 'later'));
    await vi.advanceTimersByTimeAsync(10);
    expect(wakes.slice(1)).toEqual([['0'], ['1', '2', '3', '4'], ['late', 'later']]);
  });

  it('stops: the listener closes and nothing gathered wakes anyone', async () => {
    const ch = channel();
    const { wakes, stop } = listen(ch.notifications, {});
    await vi.advanceTimersByTimeAsync(100);
    ch.send(wakePayload('x', 'a'));
    ch.send(wakePayload('x', 'b'));
    await stop();
    await vi.advanceTimersByTimeAsync(100);
    expect(wakes).toEqual([undefined, ['a']]);
    expect(ch.closed()).toBe(1);
  });

  it('reports a listener that cannot start', async () => {
    const reported: Error[] = [];
    const { wakes, stop } = listen(channel({ failListen: true }).notifications, { report: (e) => reported.push(e) });
    await vi.advanceTimersByTimeAsync(0);
    expect(reported.map((e) => (e as SqlError).code)).toEqual(['CONNECTION']);
    expect(wakes).toEqual([]);
    await stop();
  });

  it('sends keys too long for a notification empty: a wake-up for everything', () => {
    expect(wakePayload('ab', 'k')).toBe('ab:k');
    expect(wakePayload('ab', 'é'.repeat(3998))).toBe(`ab:${'é'.repeat(3998)}`);
    expect(wakePayload('ab', 'é'.repeat(3999))).toBe('ab:');
    expect(Buffer.byteLength(wakePayload('ab', 'x'.repeat(7996)))).toBe(7999);
  });
});
