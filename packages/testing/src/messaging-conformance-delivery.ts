import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import { textOf, type MessagingHarness } from './messaging-harness.js';

export function deliveryTests(h: MessagingHarness): void {
  h.test('an acknowledged message is not delivered again, even after the ack wait', async () => {
    const { messaging, context } = await h.messaging();
    const ackWaitMs = h.ackWaitMs();
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c', ackWaitMs }));
    await h.publishAll(messaging, 's', ['a', 'b']);
    const got = await h.pullCount(messaging, 's', 'c', 2);
    for (const message of got) expect(expectOk(await messaging.ack(message.token))).toBe(true);
    await h.elapse(context, ackWaitMs * 2);
    expect(await h.pullNow(messaging, 's', 'c')).toEqual([]);
    // A second ack of a settled message says so.
    expect(expectOk(await messaging.ack((got[0] as { token: string }).token))).toBe(false);
  });

  h.test('a message not acknowledged within the ack wait is delivered again, counting deliveries', async () => {
    const { messaging, context } = await h.messaging();
    const ackWaitMs = h.ackWaitMs();
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c', ackWaitMs }));
    const [receipt] = await h.publishAll(messaging, 's', ['once']);
    const [first] = await h.pullCount(messaging, 's', 'c', 1);
    expect(first?.deliveries).toBe(1);
    await h.elapse(context, ackWaitMs + 50);
    const [again] = await h.pullCount(messaging, 's', 'c', 1);
    expect(again?.position).toBe(receipt?.position);
    expect(again && textOf(again)).toBe('once');
    expect(again?.deliveries).toBe(2);
    expect(expectOk(await messaging.ack(again?.token as string))).toBe(true);
  });

  h.test('a pending message is not delivered again before its ack wait', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c', ackWaitMs: 600_000 }));
    await h.publishAll(messaging, 's', ['a', 'b']);
    const [a] = await h.pullCount(messaging, 's', 'c', 1);
    const [b] = await h.pullCount(messaging, 's', 'c', 1);
    expect([a, b].map((m) => m && textOf(m))).toEqual(['a', 'b']);
    expect(await h.pullNow(messaging, 's', 'c')).toEqual([]);
  });

  h.test('nak delivers the message again at once, or after its delay', async () => {
    const { messaging, context } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c', ackWaitMs: 600_000 }));
    await h.publishAll(messaging, 's', ['x']);
    const [first] = await h.pullCount(messaging, 's', 'c', 1);
    expect(expectOk(await messaging.nak(first?.token as string))).toBe(true);
    const [second] = await h.pullCount(messaging, 's', 'c', 1);
    expect(second && textOf(second)).toBe('x');
    expect(second?.deliveries).toBe(2);
    // Long enough that a stalled machine does not reach it between the nak and the next pull.
    const delayMs = 1000;
    expect(expectOk(await messaging.nak(second?.token as string, delayMs))).toBe(true);
    expect(await h.pullNow(messaging, 's', 'c')).toEqual([]);
    await h.elapse(context, delayMs + 50);
    const [third] = await h.pullCount(messaging, 's', 'c', 1);
    expect(third?.deliveries).toBe(3);
  });

  h.test(
    'after maxDeliveries a message goes to the dead-letter subject, with where it came from',
    async () => {
      const { messaging, context } = await h.messaging();
      const ackWaitMs = h.ackWaitMs();
      expectOk(
        await messaging.ensureConsumer({
          subject: 'jobs',
          name: 'w',
          ackWaitMs,
          maxDeliveries: 2,
          deadLetterSubject: 'jobs.dead',
        }),
      );
      expectOk(await messaging.ensureConsumer({ subject: 'jobs.dead', name: 'ops' }));
      const headers = [{ name: 'X-Job', value: '7' }];
      const receipt = expectOk(await messaging.publish('jobs', 'poison', { headers }));
      const [first] = await h.pullCount(messaging, 'jobs', 'w', 1);
      expect(expectOk(await messaging.nak(first?.token as string))).toBe(true);
      const [second] = await h.pullCount(messaging, 'jobs', 'w', 1);
      expect(second?.deliveries).toBe(2);
      await h.elapse(context, ackWaitMs + 50);
      // The third delivery would pass the limit: the message is given up instead.
      expect(await h.pullNow(messaging, 'jobs', 'w')).toEqual([]);
      expect(expectOk(await messaging.ack(second?.token as string))).toBe(false);
      const [dead] = await h.pullCount(messaging, 'jobs.dead', 'ops', 1);
      expect(dead && textOf(dead)).toBe('poison');
      const header = (name: string) => dead?.headers.find((x) => x.name === name)?.value;
      expect(header('X-Job')).toBe('7');
      expect(header('Keel-Dead-Letter-Subject')).toBe('jobs');
      expect(header('Keel-Dead-Letter-Consumer')).toBe('w');
      expect(header('Keel-Dead-Letter-Position')).toBe(receipt.position);
      expect(header('Keel-Deliveries')).toBe('2');
    },
    'deadLetter',
  );

  h.test('without a dead-letter subject, a message past maxDeliveries is dropped', async () => {
    const { messaging, context } = await h.messaging();
    const ackWaitMs = h.ackWaitMs();
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c', ackWaitMs, maxDeliveries: 1 }));
    await h.publishAll(messaging, 's', ['gone', 'next']);
    const [first] = await h.pullCount(messaging, 's', 'c', 1);
    expect(first && textOf(first)).toBe('gone');
    await h.elapse(context, ackWaitMs + 50);
    const rest = await h.pullCount(messaging, 's', 'c', 1);
    expect(rest.map(textOf)).toEqual(['next']);
    expect(await h.pullNow(messaging, 's', 'c')).toEqual([]);
  });

  h.test('a deleted consumer is NOT_FOUND; creating it again starts over', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c' }));
    await h.publishAll(messaging, 's', ['a']);
    const [got] = await h.pullCount(messaging, 's', 'c', 1);
    expect(expectOk(await messaging.deleteConsumer('s', 'c'))).toBe(true);
    expect(expectOk(await messaging.deleteConsumer('s', 'c'))).toBe(false);
    expectErr(await messaging.pull('s', 'c'), 'NOT_FOUND');
    expectErr(await messaging.ack(got?.token as string), 'NOT_FOUND');
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c' }));
    expect((await h.pullCount(messaging, 's', 'c', 1)).map(textOf)).toEqual(['a']);
  });

  h.test('ensureConsumer again keeps the position and takes the new settings', async () => {
    const { messaging, context } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c', ackWaitMs: 600_000 }));
    await h.publishAll(messaging, 's', ['a', 'b']);
    const [a] = await h.pullCount(messaging, 's', 'c', 1);
    expectOk(await messaging.ack(a?.token as string));
    const ackWaitMs = h.ackWaitMs();
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c', ackWaitMs, start: { kind: 'all' } }));
    const [b] = await h.pullCount(messaging, 's', 'c', 1);
    expect(b && textOf(b)).toBe('b');
    await h.elapse(context, ackWaitMs + 50);
    expect((await h.pullCount(messaging, 's', 'c', 1)).map(textOf)).toEqual(['b']);
  });
}
