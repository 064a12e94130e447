import { createMemoryMessaging } from '@keel/adapter-messaging-memory';
import { createRedisMessaging } from '@keel/adapter-messaging-redis';
import type { Messaging } from '@keel/core';
import { expectErr, expectOk, testRedis } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryExecutionLog, createWasmHost, type WasmGrants } from '../src/index.js';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
afterAll(() => cache.remove());
const guest = fixture('msg-guest');
const text = (s: string) => new TextEncoder().encode(s);
// Error cases of WIT `messaging.error`, by index.
const INVALID_ARGUMENT = 1;
const NOT_FOUND = 2;
const TOO_LARGE = 3;
const ACCESS_DENIED = 7;

const redis = await testRedis();
const server = redis.server;
afterAll(() => server?.cleanup());

const adapters: [string, (() => Messaging) | string][] = [
  ['memory', () => createMemoryMessaging({ maxMessageBytes: 4096 })],
  [
    'redis',
    server
      ? () => createRedisMessaging({ url: server.url, keyPrefix: server.prefix('wasm-msg'), maxMessageBytes: 4096 })
      : `skipped: ${redis.skip}`,
  ],
];

const relayGrant: WasmGrants = { messaging: { consume: ['orders.*'], publish: ['audit.>'], maxMessageBytes: 1024 } };

for (const [name, make] of adapters) {
  if (typeof make === 'string') {
    describe.skip(`a messaging guest on ${name} — ${make}`, () => it('runs', () => undefined));
    continue;
  }
  describe(`a messaging guest on ${name} (isolated: every operation is asynchronous)`, () => {
    const setup = async (grants: WasmGrants = relayGrant, id = 'relay') => {
      const messaging = make();
      const log = createMemoryExecutionLog();
      const logger = collectingLogger();
      const host = createWasmHost({ messaging }, { cacheDir: cache.dir, logger, executionLog: log });
      const c = expectOk(await host.load(guest.bytes, { id, grants }));
      const done = async () => {
        await host.close();
        await messaging.close();
      };
      return { messaging, log, logger, host, c, done };
    };
    /** What the app's own consumer on `subject` finds (created from the start, each acknowledged). */
    const drain = async (messaging: Messaging, subject: string, consumer = 'app-reader') => {
      expectOk(await messaging.ensureConsumer({ subject, name: consumer }));
      const got = expectOk(await messaging.pull(subject, consumer, { maxMessages: 100 }));
      for (const m of got) expectOk(await messaging.ack(m.token));
      return got.map((m) => ({ data: new TextDecoder().decode(m.data), headers: m.headers }));
    };

    it('consumes from one subject and publishes to another, acknowledging what it relayed', async () => {
      const { messaging, log, c, done } = await setup();
      expectOk(await messaging.publish('orders.created', 'order 1', { headers: [{ name: 'Tenant', value: 't1' }] }));
      expect(expectOk(await c.call('relay', 'orders.created', 'r', 'audit.orders'))).toBe(0);
      expect(expectOk(await c.call('relay', 'orders.created', 'r', 'audit.orders'))).toBe(1);
      expect(await drain(messaging, 'audit.orders')).toEqual([
        { data: 'order 1', headers: [{ name: 'Tenant', value: 't1' }] },
      ]);
      expect(log.records().map((r) => [r.outcome, r.hostCalls, r.deniedCalls])).toEqual([
        ['ok', { messaging: 4 }, 0],
        ['ok', { messaging: 2 }, 0],
      ]);
      await done();
    });

    it('refuses subjects outside the grant, wildcard tricks included, with access-denied, counted and logged', async () => {
      const { messaging, log, logger, c, done } = await setup();
      const publish = (subject: string) => c.call('publish', subject, text('x'), '', '');
      expect(expectOk(await publish('audit.a'))).toBe(0);
      expect(expectOk(await publish('audit.a.b.c'))).toBe(0);
      // `>` needs one token or more; no prefix is a match without its `.`; subjects are case-sensitive.
      for (const subject of ['audit', 'auditX.a', 'auditX', 'AUDIT.a', 'orders.created', 'x.audit.a'])
        expect([subject, expectOk(await publish(subject))]).toEqual([subject, 100 + ACCESS_DENIED]);
      // A guest's wildcards are plain characters, never covered by a grant; nor are empty tokens.
      for (const subject of ['audit.*', 'audit.>', '>', '*', 'audit..a', 'audit.', '.audit.a', 'audit.a b', 'audit.é'])
        expect([subject, expectOk(await publish(subject))]).toEqual([subject, 100 + ACCESS_DENIED]);
      // `orders.*` covers one token: not `orders`, not `ordersX.a`, not two tokens.
      for (const source of ['orders', 'ordersX.created', 'orders.created.eu', 'audit.a'])
        expect([source, expectOk(await c.call('relay', source, 'r', 'audit.x'))]).toEqual([
          source,
          100 + ACCESS_DENIED,
        ]);
      // Pulling from a subject outside the grant is refused before the consumer is looked for.
      expect(expectOk(await c.call('pull', 'billing.x', 'r', 1, 0))).toBe(1000 + ACCESS_DENIED);
      // Consuming is granted, publishing to `orders.*` is not: the message stays unacknowledged.
      expectOk(await messaging.publish('orders.created', 'o'));
      expect(expectOk(await c.call('relay', 'orders.created', 'r', 'orders.copy'))).toBe(300 + ACCESS_DENIED);
      expect(await drain(messaging, 'audit.a.b.c')).toHaveLength(1);
      expect(await drain(messaging, 'audit.a')).toHaveLength(1);
      const denied = log.records().reduce((n, r) => n + r.deniedCalls, 0);
      expect(denied).toBe(6 + 9 + 4 + 1 + 1);
      expect(logger.lines.filter((l) => l.message === 'denied a host call').at(-1)?.fields).toMatchObject({
        component: 'relay',
        interface: 'messaging',
        function: 'publish',
      });
      await done();
    });

    it("refuses a message over the grant's maxMessageBytes (headers counted) and over the adapter's", async () => {
      const { messaging, c, done } = await setup();
      expect(expectOk(await c.call('publish', 'audit.big', new Uint8Array(1024), '', ''))).toBe(0);
      expect(expectOk(await c.call('publish', 'audit.big', new Uint8Array(1025), '', ''))).toBe(100 + TOO_LARGE);
      expect(expectOk(await c.call('publish', 'audit.big', new Uint8Array(1000), 'Pad', 'x'.repeat(30)))).toBe(
        100 + TOO_LARGE,
      );
      await done();
      const open = await setup({ messaging: { publish: ['audit.>'] } }, 'open');
      expect(expectOk(await open.c.call('publish', 'audit.big', new Uint8Array(4097), '', ''))).toBe(100 + TOO_LARGE);
      expect(await drain(open.messaging, 'audit.big')).toHaveLength(0);
      await open.done();
      expect(await drain(messaging, 'audit.big').catch(() => 'closed')).toBe('closed');
    });

    it('refuses header injection and reserved headers as invalid-argument, storing nothing', async () => {
      const { messaging, c, done } = await setup();
      const attempts: [string, string][] = [
        ['Tenant', 't1\r\nKeel-Id: forged'],
        ['Tenant', 't1\nNats-Msg-Id: x'],
        ['Tenant', 'a\u0000b'],
        ['Keel-Position', '1'],
        ['nats-msg-id', 'dup'],
        ['Bad Name', 'x'],
        ['Tenant:', 'x'],
      ];
      for (const [header, value] of attempts)
        expect([header, expectOk(await c.call('publish', 'audit.h', text('x'), header, value))]).toEqual([
          header,
          100 + INVALID_ARGUMENT,
        ]);
      expect(await drain(messaging, 'audit.h')).toEqual([]);
      await done();
    });

    it("keeps consumers under the component's prefix: it cannot join the app's group or another component's", async () => {
      const { messaging, c, host, done } = await setup();
      expectOk(await messaging.ensureConsumer({ subject: 'orders.created', name: 'billing' }));
      expectOk(await messaging.publish('orders.created', 'order 1'));
      // The guest's `billing` is its own consumer (wasm-relay-billing), with its own copy.
      expect(expectOk(await c.call('relay', 'orders.created', 'billing', 'audit.x'))).toBe(0);
      const billing = expectOk(await messaging.pull('orders.created', 'billing', { maxMessages: 10 }));
      expect(billing).toHaveLength(1);
      expect(expectOk(await messaging.pull('orders.created', 'wasm-relay-billing', { maxMessages: 10 }))).toEqual([]);
      // Another component asking for the app's name or the first component's stored name finds nothing of theirs.
      const spy = expectOk(await host.load(guest.bytes, { id: 'spy', grants: relayGrant }));
      expect(expectOk(await spy.call('pull', 'orders.created', 'billing', 10, 0))).toBe(1000 + NOT_FOUND);
      expect(expectOk(await spy.call('pull', 'orders.created', 'wasm-relay-billing', 10, 0))).toBe(1000 + NOT_FOUND);
      expect(expectOk(await spy.call('pull', 'orders.created', 'relay-billing', 10, 0))).toBe(1000 + NOT_FOUND);
      // Names too long once prefixed, or not names at all, are refused before anything is stored.
      expect(expectOk(await spy.call('pull', 'orders.created', 'x'.repeat(60), 10, 0))).toBe(1000 + INVALID_ARGUMENT);
      expect(expectOk(await spy.call('pull', 'orders.created', '../billing', 10, 0))).toBe(1000 + INVALID_ARGUMENT);
      await done();
    });

    it("seals delivery tokens: the guest cannot settle the app's or another component's messages", async () => {
      const { messaging, c, host, done } = await setup();
      expectOk(await messaging.ensureConsumer({ subject: 'orders.created', name: 'billing' }));
      expectOk(await messaging.publish('orders.created', 'order 1'));
      expect(expectOk(await c.call('relay', 'orders.created', 'r', 'audit.x'))).toBe(0);
      expectOk(await messaging.publish('orders.created', 'order 2'));
      expect(expectOk(await c.call('pull', 'orders.created', 'r', 10, 0))).toBe(1);
      const token = expectOk(await c.call('last-token')) as string;
      expect(token).toMatch(/^s1\./);
      expect(token).not.toContain('orders');
      // The app's raw token (guessable: subject|consumer|position) and the other component's sealed one.
      const [appMessage] = expectOk(await messaging.pull('orders.created', 'billing'));
      const spy = expectOk(await host.load(guest.bytes, { id: 'spy', grants: relayGrant }));
      expect(expectOk(await spy.call('ack', appMessage?.token ?? ''))).toBe(100 + INVALID_ARGUMENT);
      expect(expectOk(await c.call('ack', appMessage?.token ?? ''))).toBe(100 + INVALID_ARGUMENT);
      expect(expectOk(await spy.call('ack', token))).toBe(100 + INVALID_ARGUMENT);
      expect(expectOk(await spy.call('ack', `${token.slice(0, -2)}AA`))).toBe(100 + INVALID_ARGUMENT);
      // Still pending for the app and for the component, which settles its own.
      expect(expectOk(await messaging.ack(appMessage?.token ?? ''))).toBe(true);
      expect(expectOk(await c.call('ack', token))).toBe(1);
      expect(expectOk(await c.call('ack', token))).toBe(0);
      await done();
    });

    it('many large pulls deliver each message once; a long wait is bounded by the call', async () => {
      const { messaging, c, done } = await setup();
      for (let i = 0; i < 30; i++) expectOk(await messaging.publish('orders.created', `o${i}`));
      expect(expectOk(await c.call('relay', 'orders.created', 'r', 'audit.x'))).toBe(0);
      let pulled = 0;
      for (let i = 0; i < 40; i++) pulled += expectOk(await c.call('pull', 'orders.created', 'r', 1000, 0)) as number;
      expect(pulled).toBe(29);
      // Nothing more to deliver: a guest asking to wait five minutes waits no longer than its call.
      const short = await setup({ messaging: { consume: ['orders.*'] } }, 'waiter');
      const waitLoad = expectOk(
        await short.host.load(guest.bytes, {
          id: 'waiter2',
          grants: { messaging: { consume: ['orders.*'] } },
          limits: { timeoutMs: 200 },
        }),
      );
      expect(expectOk(await waitLoad.call('relay', 'orders.created', 'w', 'audit.x'))).toBe(1);
      expectErr(await waitLoad.call('pull', 'orders.created', 'w', 1, 300_000), 'TIMEOUT');
      await short.done();
      await done();
    });

    it('without the grant every call is access-denied; in-thread, a grant is refused at load', async () => {
      const { messaging, log, c, done } = await setup({}, 'nothing');
      expect(expectOk(await c.call('publish', 'audit.a', text('x'), '', ''))).toBe(100 + ACCESS_DENIED);
      expect(expectOk(await c.call('relay', 'orders.created', 'r', 'audit.a'))).toBe(100 + ACCESS_DENIED);
      expect(log.records().map((r) => r.deniedCalls)).toEqual([1, 1]);
      const inThread = createWasmHost({ messaging }, { cacheDir: cache.dir, logger: {}, mode: 'in-thread' });
      expect(expectErr(await inThread.load(guest.bytes, { grants: relayGrant }), 'UNAVAILABLE').message).toContain(
        'use isolated mode',
      );
      await inThread.close();
      await done();
    });
  });
}

describe('the messaging grant, as data', () => {
  const host = createWasmHost({ messaging: createMemoryMessaging() }, { logger: {} });
  afterAll(() => host.close());
  const load = (messaging: unknown, id?: string) =>
    host.load(guest.bytes, { ...(id ? { id } : {}), grants: { messaging } as WasmGrants });

  it.each([
    [true, /grants\.messaging: expected false or \{ publish\?/],
    [{ publish: ['orders.>.x'] }, /grants\.messaging\.publish\[0\]: '>' may only be the last token/],
    [{ consume: ['orders.'] }, /grants\.messaging\.consume\[0\]: 'orders\.' is not a subject pattern/],
    [{ consume: 'orders.*' }, /grants\.messaging\.consume: expected an array of subject patterns/],
    [{ consumerPrefix: 'billing' }, /grants\.messaging\.consumerPrefix: must be .* ending with '-' or '_'/],
    [{ maxMessageBytes: 0 }, /grants\.messaging\.maxMessageBytes/],
    [{ subjects: ['x'] }, /grants\.messaging.*subjects/],
  ])('refuses %j at load with a TypeError naming the field', (grant, message) => {
    expect(() => load(grant)).toThrow(message);
  });

  it('needs a consumerPrefix when the component id cannot be part of a consumer name', async () => {
    const error = expectErr(await load({ consume: ['a'] }, 'billing.v2'), 'UNAVAILABLE');
    expect(error.message).toContain('give grants.messaging.consumerPrefix');
    expectOk(await load({ consume: ['a'], consumerPrefix: 'billing-v2-' }, 'billing.v2'));
  });

  it('is UNAVAILABLE when the host has no messaging adapter', async () => {
    const bare = createWasmHost({}, { logger: {} });
    const error = expectErr(await bare.load(guest.bytes, { grants: relayGrant }), 'UNAVAILABLE');
    expect(error.message).toContain('messaging is granted but the host has no messaging adapter');
    await bare.close();
  });
});
