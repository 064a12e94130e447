import type { ReceivedMessage } from '@keel/core';
import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import { textOf, type MessagingHarness } from './messaging-harness.js';

export function consumerTests(h: MessagingHarness): void {
  h.test('every consumer of a subject gets every message (fan-out)', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 'e', name: 'billing' }));
    expectOk(await messaging.ensureConsumer({ subject: 'e', name: 'audit' }));
    await h.publishAll(messaging, 'e', ['1', '2', '3']);
    expect((await h.pullCount(messaging, 'e', 'billing', 3)).map(textOf)).toEqual(['1', '2', '3']);
    expect((await h.pullCount(messaging, 'e', 'audit', 3)).map(textOf)).toEqual(['1', '2', '3']);
  });

  h.test('a consumer starting at new skips what was published before it', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 'e', name: 'old' }));
    await h.publishAll(messaging, 'e', ['before']);
    expectOk(await messaging.ensureConsumer({ subject: 'e', name: 'fresh', start: { kind: 'new' } }));
    await h.publishAll(messaging, 'e', ['after']);
    expect((await h.pullCount(messaging, 'e', 'fresh', 1)).map(textOf)).toEqual(['after']);
    expect(await h.pullNow(messaging, 'e', 'fresh')).toEqual([]);
  });

  h.test(
    'the members of a consumer group share its messages, each to exactly one',
    async () => {
      const { messaging, context } = await h.messaging();
      const other = await h.member(context);
      expectOk(await messaging.ensureConsumer({ subject: 'work', name: 'g', ackWaitMs: 600_000 }));
      const texts = Array.from({ length: 20 }, (_, i) => `m${i}`);
      await h.publishAll(messaging, 'work', texts);
      const seen: ReceivedMessage[] = [];
      const members = [messaging, other];
      for (let round = 0; seen.length < texts.length && round < 200; round++) {
        const member = members[round % 2] as typeof messaging;
        const got = expectOk(await member.pull('work', 'g', { maxMessages: 3, waitMs: 50 }));
        for (const m of got) expectOk(await member.ack(m.token));
        seen.push(...got);
      }
      expect(seen.map(textOf).sort()).toEqual([...texts].sort());
      expect(await h.pullNow(other, 'work', 'g')).toEqual([]);
    },
    'consumerGroups',
  );

  h.test(
    'an unacknowledged message of one member is redelivered to another',
    async () => {
      const { messaging, context } = await h.messaging();
      const other = await h.member(context);
      const ackWaitMs = h.ackWaitMs();
      expectOk(await messaging.ensureConsumer({ subject: 'work', name: 'g', ackWaitMs }));
      await h.publishAll(messaging, 'work', ['job']);
      const [taken] = await h.pullCount(messaging, 'work', 'g', 1);
      await h.elapse(context, ackWaitMs + 50);
      const [again] = await h.pullCount(other, 'work', 'g', 1);
      expect(again?.position).toBe(taken?.position);
      expect(again?.deliveries).toBe(2);
      expect(expectOk(await other.ack(again?.token as string))).toBe(true);
    },
    'consumerGroups',
  );

  h.test(
    'a new consumer can start at a position, inclusive',
    async () => {
      const { messaging } = await h.messaging();
      const receipts = await h.publishAll(messaging, 'log', ['a', 'b', 'c']);
      const position = receipts[1]?.position as string;
      expectOk(await messaging.ensureConsumer({ subject: 'log', name: 'r', start: { kind: 'at-position', position } }));
      expect((await h.pullCount(messaging, 'log', 'r', 2)).map(textOf)).toEqual(['b', 'c']);
    },
    'replay',
  );

  h.test('replay it cannot do is UNSUPPORTED, not ignored', async () => {
    const { messaging } = await h.messaging();
    const replay = h.options.capabilities.replay;
    const atTime = await messaging.ensureConsumer({ subject: 'log', name: 't', start: { kind: 'at-time', ms: 1 } });
    if (replay === 'time') expectOk(atTime);
    else expectErr(atTime, 'UNSUPPORTED');
    const atPosition = await messaging.ensureConsumer({
      subject: 'log',
      name: 'p',
      start: { kind: 'at-position', position: '1' },
    });
    if (!replay) expectErr(atPosition, 'UNSUPPORTED');
  });

  h.test(
    'a new consumer can start at a time',
    async () => {
      const { messaging, context } = await h.messaging();
      expectOk(await messaging.ensureConsumer({ subject: 'log', name: 'all' }));
      await h.publishAll(messaging, 'log', ['early']);
      const [early] = await h.pullCount(messaging, 'log', 'all', 1);
      await h.elapse(context, 20);
      await h.publishAll(messaging, 'log', ['late']);
      const [late] = await h.pullCount(messaging, 'log', 'all', 1);
      expect(late?.publishedAtMs).toBeGreaterThan(early?.publishedAtMs as number);
      const ms = late?.publishedAtMs as number;
      expectOk(await messaging.ensureConsumer({ subject: 'log', name: 'since', start: { kind: 'at-time', ms } }));
      expect((await h.pullCount(messaging, 'log', 'since', 1)).map(textOf)).toEqual(['late']);
      expect(await h.pullNow(messaging, 'log', 'since')).toEqual([]);
    },
    'replay',
  );

  h.test('a pull waits for a message published while it waits', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 'w', name: 'c' }));
    const waiting = messaging.pull('w', 'c', { waitMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expectOk(await messaging.publish('w', 'arrived'));
    expect(expectOk(await waiting).map(textOf)).toEqual(['arrived']);
  });

  h.test('subscribe hands each message to the handler and acknowledges it; throws are retried', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 'sub', name: 'c', ackWaitMs: 600_000 }));
    const handled: string[] = [];
    let failOnce = true;
    const sub = messaging.subscribe(
      'sub',
      'c',
      (message) => {
        if (textOf(message) === 'b' && failOnce) {
          failOnce = false;
          throw new Error('transient');
        }
        handled.push(`${textOf(message)}#${message.deliveries}`);
      },
      { waitMs: 100 },
    );
    await h.publishAll(messaging, 'sub', ['a', 'b', 'c']);
    const until = Date.now() + 10_000;
    while (handled.length < 3 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    await sub.stop();
    expect([...handled].sort()).toEqual(['a#1', 'b#2', 'c#1']);
    expect(await h.pullNow(messaging, 'sub', 'c')).toEqual([]);
  });

  h.test('messages() iterates until its signal aborts', async () => {
    const { messaging } = await h.messaging();
    expectOk(await messaging.ensureConsumer({ subject: 'it', name: 'c' }));
    await h.publishAll(messaging, 'it', ['1', '2']);
    const controller = new AbortController();
    const got: string[] = [];
    for await (const message of messaging.messages('it', 'c', { signal: controller.signal, waitMs: 100 })) {
      got.push(textOf(message));
      expectOk(await messaging.ack(message.token));
      if (got.length === 2) controller.abort();
    }
    expect(got).toEqual(['1', '2']);
  });
}
