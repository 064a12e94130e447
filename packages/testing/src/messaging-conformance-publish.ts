import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import { textOf, type MessagingHarness } from './messaging-harness.js';

export function publishTests(h: MessagingHarness): void {
  h.test('declares the capabilities it was registered with', async () => {
    const { messaging } = await h.messaging();
    expect({ ...messaging.capabilities }).toEqual({ ...h.options.capabilities });
  });

  h.test('delivers data, headers and message id as published, in order', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 'orders.created', name: 'c' }));
    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    const headers = [
      { name: 'Content-Type', value: 'application/json' },
      { name: 'X-Empty', value: '' },
      { name: 'X-Unicode', value: 'wörld 😀' },
    ];
    const first = expectOk(await messaging.publish('orders.created', bytes, { headers }));
    const second = expectOk(
      await messaging.publish('orders.created', 'hello', {
        ...(h.options.capabilities.deduplication ? { messageId: 'order-1' } : {}),
      }),
    );
    expect(first.duplicate).toBe(false);
    expect(second.position).not.toBe(first.position);
    const [a, b] = await h.pullCount(messaging, 'orders.created', 'c', 2);
    expect(a?.subject).toBe('orders.created');
    expect(a?.position).toBe(first.position);
    expect([...(a?.data ?? [])]).toEqual([...bytes]);
    expect(a?.headers).toEqual(headers);
    expect(a?.messageId).toBeUndefined();
    expect(a?.deliveries).toBe(1);
    expect(typeof a?.publishedAtMs).toBe('number');
    expect(b && textOf(b)).toBe('hello');
    expect(b?.position).toBe(second.position);
    if (h.options.capabilities.deduplication) expect(b?.messageId).toBe('order-1');
  });

  h.test('data changed by the caller after publish is not changed in the message', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 's', name: 'c' }));
    const data = new Uint8Array([1, 2, 3]);
    expectOk(await messaging.publish('s', data));
    data[0] = 9;
    const [got] = await h.pullCount(messaging, 's', 'c', 1);
    expect([...(got?.data ?? [])]).toEqual([1, 2, 3]);
  });

  h.test('refuses bad input with typed errors and keeps working', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 'ok', name: 'c' }));
    expectErr(await messaging.publish('bad subject', 'x'), 'INVALID_SUBJECT');
    expectErr(await messaging.publish('wild.*', 'x'), 'INVALID_SUBJECT');
    expectErr(
      await messaging.publish('ok', 'x', { headers: [{ name: 'Nats-Msg-Id', value: '1' }] }),
      'INVALID_ARGUMENT',
    );
    expectErr(await messaging.publish('ok', 'x', { headers: [{ name: 'X-A', value: 'a\nb' }] }), 'INVALID_ARGUMENT');
    const max = h.options.capabilities.maxMessageBytes;
    expectErr(await messaging.publish('ok', new Uint8Array(max + 1)), 'TOO_LARGE');
    expectErr(await messaging.pull('ok', 'unknown-consumer'), 'NOT_FOUND');
    expectErr(await messaging.pull('never-used', 'c'), 'NOT_FOUND');
    expectErr(await messaging.ack('not-a-token'), 'INVALID_ARGUMENT');
    expectErr(await messaging.pull('ok', 'c', { maxMessages: 0 }), 'INVALID_ARGUMENT');
    expectOk(await messaging.publish('ok', 'still works'));
    const [got] = await h.pullCount(messaging, 'ok', 'c', 1);
    expect(got && textOf(got)).toBe('still works');
  });

  h.test('stores a message of exactly maxMessageBytes (data and headers)', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 'big', name: 'c' }));
    const max = Math.min(h.options.capabilities.maxMessageBytes, 4 * 1024 * 1024);
    const headers = [{ name: 'X-Id', value: 'abc' }];
    expectOk(await messaging.publish('big', new Uint8Array(max - 7).fill(7), { headers }));
    const [got] = await h.pullCount(messaging, 'big', 'c', 1);
    expect(got?.data.byteLength).toBe(max - 7);
  });

  h.test(
    'a repeated message id is a duplicate with the first position, stored once',
    async () => {
      const { messaging } = await h.messaging();
      expectOk(await messaging.ensureConsumer({ subject: 'pay', name: 'c' }));
      const first = expectOk(await messaging.publish('pay', 'one', { messageId: 'm-1' }));
      const again = expectOk(await messaging.publish('pay', 'one again', { messageId: 'm-1' }));
      const other = expectOk(await messaging.publish('pay', 'two', { messageId: 'm-2' }));
      expect(again).toEqual({ position: first.position, duplicate: true });
      expect(other.duplicate).toBe(false);
      const got = await h.pullCount(messaging, 'pay', 'c', 2);
      expect(got.map(textOf)).toEqual(['one', 'two']);
      expect(await h.pullNow(messaging, 'pay', 'c')).toEqual([]);
    },
    'deduplication',
  );

  h.test(
    'message ids are de-duplicated per subject',
    async () => {
      const { messaging } = await h.messaging();
      expect(expectOk(await messaging.publish('a', 'x', { messageId: 'same' })).duplicate).toBe(false);
      expect(expectOk(await messaging.publish('b', 'x', { messageId: 'same' })).duplicate).toBe(false);
    },
    'deduplication',
  );
}
