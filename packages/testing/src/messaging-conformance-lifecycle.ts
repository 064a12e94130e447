import type { MessagingError, ResultAsync } from '@keel/core';
import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import { textOf, type MessagingHarness } from './messaging-harness.js';

export function lifecycleTests(h: MessagingHarness): void {
  h.test('every call after close is NOT_OPEN, and close is idempotent', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c' }));
    await messaging.close();
    await messaging.close();
    const calls: ResultAsync<unknown, MessagingError>[] = [
      messaging.publish('s', 'x'),
      messaging.ensureConsumer({ subject: 's', name: 'c' }),
      messaging.deleteConsumer('s', 'c'),
      messaging.pull('s', 'c'),
      messaging.ack('t'),
      messaging.nak('t'),
    ];
    for (const call of calls) expectErr(await call, 'NOT_OPEN');
    expectErr(await messaging.open(), 'NOT_OPEN');
  });

  h.test('close ends a waiting pull and a subscription', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c' }));
    const waiting = messaging.pull('s', 'c', { waitMs: 300_000 });
    const sub = messaging.subscribe('s', 'c', () => undefined, { waitMs: 300_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await messaging.close();
    expect(expectOk(await waiting)).toEqual([]);
    await sub.done;
  });

  h.test('reports healthy while open', async () => {
    const { messaging } = await h.messaging();
    const report = await messaging.health();
    expect(report.ok, report.error).toBe(true);
  });

  h.test(
    'messages and consumer positions survive a reopen',
    async () => {
      const { messaging, context } = await h.messaging();
      expectOk(await messaging.ensureConsumer({ subject: 'd', name: 'c', ackWaitMs: h.ackWaitMs() }));
      await h.publishAll(messaging, 'd', ['acked', 'pending', 'new']);
      const [acked] = await h.pullCount(messaging, 'd', 'c', 1);
      expectOk(await messaging.ack(acked?.token as string));
      await h.pullCount(messaging, 'd', 'c', 1);
      await messaging.close();
      const again = await h.reopen(context);
      await h.elapse(context, h.ackWaitMs() + 50);
      const got = await h.pullCount(again, 'd', 'c', 2);
      expect(got.map(textOf).sort()).toEqual(['new', 'pending']);
    },
    'durable',
  );
}
