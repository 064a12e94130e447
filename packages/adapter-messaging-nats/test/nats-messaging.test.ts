import { createKeel } from '@keel/core';
import { KeelOptionsError } from '@keel/core/adapter';
import { expectErr, expectOk, freePort, testNats, textOf } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createNatsMessaging, natsMessagingAdapter } from '../src/index.js';

const nats = await testNats();
const own = () => ({ url: nats.server?.url as string, ...nats.server?.stream('own') });

describe('createNatsMessaging', () => {
  afterAll(() => nats.server?.cleanup());

  it.skipIf(nats.skip)('is chosen by config as keel.messaging once registered', async () => {
    const keel = expectOk(
      await createKeel(
        { messaging: { adapter: 'nats', options: own(), requires: ['durable', 'deadLetter'] } },
        { adapters: [natsMessagingAdapter], env: false },
      ),
    );
    expect(keel.messaging.adapter).toBe('nats');
    expectOk(await keel.messaging.ensureConsumer({ subject: 'a', name: 'c' }));
    expectOk(await keel.messaging.publish('a', 'hi'));
    expect(expectOk(await keel.messaging.pull('a', 'c', { waitMs: 1000 })).map(textOf)).toEqual(['hi']);
    expect((await keel.messaging.health()).ok).toBe(true);
    await keel.close();
  });

  it.skipIf(nats.skip)('keeps headers NATS would change: ends of values, repeated names', async () => {
    const messaging = createNatsMessaging(own());
    expectOk(await messaging.ensureConsumer({ subject: 'h', name: 'c' }));
    const headers = [
      { name: 'X-Pad', value: '  both ends ' },
      { name: 'X-Twice', value: '1' },
      { name: 'x-twice', value: '2' },
    ];
    expectOk(await messaging.publish('h', 'x', { headers, messageId: 'id with spaces ' }));
    const [got] = expectOk(await messaging.pull('h', 'c', { waitMs: 1000 }));
    expect(got?.headers).toEqual(headers);
    expect(got?.messageId).toBe('id with spaces ');
    await messaging.close();
  });

  it.skipIf(nats.skip)('caps a nak delay at the ack wait', async () => {
    const messaging = createNatsMessaging(own());
    expectOk(await messaging.ensureConsumer({ subject: 'n', name: 'c', ackWaitMs: 300 }));
    expectOk(await messaging.publish('n', 'x'));
    const [first] = expectOk(await messaging.pull('n', 'c', { waitMs: 1000 }));
    expect(expectOk(await messaging.nak(first?.token as string, 600_000))).toBe(true);
    // Within the ack wait plus slack, not the ten minutes asked for.
    const [again] = expectOk(await messaging.pull('n', 'c', { waitMs: 5000 }));
    expect(again?.deliveries).toBe(2);
    await messaging.close();
  });

  it.skipIf(nats.skip)('refuses a token of another stream and a start position that is not a sequence', async () => {
    const messaging = createNatsMessaging(own());
    expectOk(await messaging.ensureConsumer({ subject: 'a', name: 'c' }));
    expectErr(await messaging.ack('$JS.ACK.OTHER.c_0123456789abcdef.1.1.1.1.0'), 'INVALID_ARGUMENT');
    expectErr(await messaging.ack('a|c|1-1'), 'INVALID_ARGUMENT');
    expectErr(
      await messaging.ensureConsumer({ subject: 'a', name: 'p', start: { kind: 'at-position', position: '1-0' } }),
      'INVALID_ARGUMENT',
    );
    await messaging.close();
  });

  it.skipIf(nats.skip)('refuses to open when maxMessageBytes does not fit the server’s max_payload', async () => {
    const messaging = createNatsMessaging({ ...own(), maxMessageBytes: 1024 * 1024 });
    const failed = expectErr(await messaging.publish('a', 'x'), 'UNSUPPORTED');
    expect(failed.message).toMatch(/max_payload/);
    await messaging.close();
  });

  it('says where it could not connect, without the password', async () => {
    const port = await freePort();
    const messaging = createNatsMessaging({ url: `nats://me:s3cret@127.0.0.1:${port}`, connectTimeoutMs: 2000 });
    const failed = expectErr(await messaging.publish('a', 'x'), 'UNAVAILABLE');
    expect(failed.message).toContain(`127.0.0.1:${port}`);
    expect(failed.message).not.toContain('s3cret');
    await messaging.close();
  });

  it('refuses bad options naming the field', () => {
    expect(() => createNatsMessaging({ requestTimeoutMs: 5 })).toThrow(KeelOptionsError);
    expect(() => createNatsMessaging({ stream: 'a.b' })).toThrow(/stream/);
    expect(() => createNatsMessaging({ subjectPrefix: 'a.>' })).toThrow(/subjectPrefix/);
    expect(() => createNatsMessaging({ strem: 'x' } as never)).toThrow(/strem/);
  });
});
