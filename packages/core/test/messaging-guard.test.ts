import { describe, expect, it } from 'vitest';
import { MessagingError, type MessagingCapabilities } from '../src/index.js';
import { defineMessaging, type MessagingDriver } from '../src/adapter.js';
import { expectErr, expectOk } from '@keel/testing';

const capabilities: MessagingCapabilities = {
  durable: false,
  consumerGroups: true,
  replay: 'position',
  deduplication: false,
  deadLetter: false,
  maxMessageBytes: 100,
};

// A driver that records what reaches it: whatever the guard refuses must never get here.
function recorder(overrides: Partial<MessagingDriver> = {}) {
  const calls: string[] = [];
  const messaging = defineMessaging({
    adapter: 'recorder',
    capabilities,
    publish: (subject) => {
      calls.push(`publish ${subject}`);
      return { position: '1', duplicate: false };
    },
    ensureConsumer: (config) => void calls.push(`ensure ${config.name} ${config.ackWaitMs}`),
    deleteConsumer: () => true,
    pull: ({ signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve([]), { once: true })),
    ack: () => true,
    nak: (_, delayMs) => (calls.push(`nak ${delayMs}`), true),
    ...overrides,
  });
  return { messaging, calls };
}

describe('defineMessaging guard', () => {
  it('refuses bad subjects, headers, ids and sizes before the driver sees them', async () => {
    const { messaging, calls } = recorder();
    for (const subject of ['', 'a..b', 'orders.*', 'orders >', '.a', 'a.', 'x'.repeat(256)])
      expectErr(await messaging.publish(subject, 'x'), 'INVALID_SUBJECT');
    const header = (name: string, value = 'v') => ({ headers: [{ name, value }] });
    expectErr(await messaging.publish('a', 'x', header('bad name')), 'INVALID_ARGUMENT');
    expectErr(await messaging.publish('a', 'x', header('Nats-Msg-Id')), 'INVALID_ARGUMENT');
    expectErr(await messaging.publish('a', 'x', header('keel-anything')), 'INVALID_ARGUMENT');
    expectErr(await messaging.publish('a', 'x', header('X-Ok', 'line\r\nInjected: 1')), 'INVALID_ARGUMENT');
    // This adapter does not de-duplicate: a message id is refused rather than silently ignored.
    expectErr(await messaging.publish('a', 'x', { messageId: 'm1' }), 'UNSUPPORTED');
    expectErr(await messaging.publish('a', new Uint8Array(101)), 'TOO_LARGE');
    expectErr(await messaging.publish('a', new Uint8Array(90), header('X-Big', 'y'.repeat(10))), 'TOO_LARGE');
    expect(calls).toEqual([]);
    expectOk(await messaging.publish('a.b-c_d', new Uint8Array(100)));
    expect(calls).toEqual(['publish a.b-c_d']);
  });

  it('checks consumer configs against the capabilities and fills in defaults', async () => {
    const { messaging, calls } = recorder();
    expectErr(await messaging.ensureConsumer({ subject: 'a', name: 'bad name' }), 'INVALID_ARGUMENT');
    expectErr(await messaging.ensureConsumer({ subject: 'a', name: 'c', ackWaitMs: 0 }), 'INVALID_ARGUMENT');
    expectErr(await messaging.ensureConsumer({ subject: 'a', name: 'c', maxDeliveries: 1.5 }), 'INVALID_ARGUMENT');
    expectErr(
      await messaging.ensureConsumer({ subject: 'a', name: 'c', maxDeliveries: 2, deadLetterSubject: 'dead' }),
      'UNSUPPORTED',
    );
    expectErr(
      await messaging.ensureConsumer({ subject: 'a', name: 'c', start: { kind: 'at-time', ms: 5 } }),
      'UNSUPPORTED',
    );
    expectErr(
      await messaging.ensureConsumer({ subject: 'a', name: 'c', start: { kind: 'at-position', position: '' } }),
      'INVALID_ARGUMENT',
    );
    expect(calls).toEqual([]);
    expectOk(await messaging.ensureConsumer({ subject: 'a', name: 'c' }));
    expect(calls).toEqual(['ensure c 30000']);
  });

  it('treats wrong JavaScript types as programming mistakes', () => {
    const { messaging } = recorder();
    expect(() => messaging.publish(42 as never, 'x')).toThrow(TypeError);
    expect(() => messaging.publish('a', { no: 1 } as never)).toThrow(TypeError);
    expect(() => messaging.ack(undefined as never)).toThrow(TypeError);
  });

  it('turns a driver throw into INTERNAL and keeps a MessagingError’s code', async () => {
    const { messaging } = recorder({
      ack: () => {
        throw new MessagingError({ code: 'NOT_FOUND', message: 'no such consumer' });
      },
      nak: () => {
        throw new Error('boom');
      },
    });
    const notFound = expectErr(await messaging.ack('t'), 'NOT_FOUND');
    expect(notFound.op).toBe('ack');
    expect(expectErr(await messaging.nak('t'), 'INTERNAL').cause).toBeInstanceOf(Error);
  });

  it('ends a waiting pull on close, and refuses calls after it', async () => {
    const { messaging } = recorder();
    const waiting = messaging.pull('a', 'c', { waitMs: 300_000 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await messaging.close();
    expect(expectOk(await waiting)).toEqual([]);
    expectErr(await messaging.publish('a', 'x'), 'NOT_OPEN');
  });

  it('subscribe acknowledges what its handler took and naks what it threw on', async () => {
    const delivered = [
      {
        subject: 'a',
        position: '1',
        data: new Uint8Array(),
        headers: [],
        messageId: undefined,
        publishedAtMs: 0,
        deliveries: 1,
        token: 'ok',
      },
      {
        subject: 'a',
        position: '2',
        data: new Uint8Array(),
        headers: [],
        messageId: undefined,
        publishedAtMs: 0,
        deliveries: 1,
        token: 'bad',
      },
    ];
    const settled: string[] = [];
    const { messaging } = recorder({
      pull: ({ signal }) =>
        delivered.length > 0
          ? delivered.splice(0)
          : new Promise((resolve) => signal.addEventListener('abort', () => resolve([]), { once: true })),
      ack: (token) => (settled.push(`ack ${token}`), true),
      nak: (token, delayMs) => (settled.push(`nak ${token} ${delayMs}`), true),
    });
    const errors: unknown[] = [];
    const sub = messaging.subscribe(
      'a',
      'c',
      (message) => {
        if (message.token === 'bad') throw new Error('handler failed');
      },
      { retryDelayMs: 7, onError: (error) => errors.push(error) },
    );
    while (settled.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await sub.stop();
    expect(settled).toEqual(['ack ok', 'nak bad 7']);
    expect(errors).toHaveLength(1);
  });
});
