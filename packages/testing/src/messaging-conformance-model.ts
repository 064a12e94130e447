import type { Messaging, ReceivedMessage } from '@keel/core';
import fc from 'fast-check';
import { expect } from 'vitest';
import { expectOk } from './expect-result.js';
import { textOf, type MessagingHarness } from './messaging-harness.js';

type Action =
  | { readonly kind: 'publish'; readonly text: string; readonly id: string | undefined }
  | { readonly kind: 'pull'; readonly max: number }
  | { readonly kind: 'ack'; readonly pick: number }
  | { readonly kind: 'nak'; readonly pick: number }
  | { readonly kind: 'expire' };

/**
 * Random runs of publish, pull, ack, nak and ack-wait expiry against a model of what must hold
 * whatever the order of redeliveries: each stored message is a receipt's position with its own
 * data; a repeated id is a duplicate of the first; an ack is `true` once per message and never
 * for one already settled; an acknowledged message is never delivered again; first deliveries
 * come in publish order; and after the run, draining the consumer settles every message exactly once.
 */
export function modelTests(h: MessagingHarness): void {
  const dedup = h.options.capabilities.deduplication;
  const real = h.options.time === 'real';
  const action: fc.Arbitrary<Action> = fc.oneof(
    {
      arbitrary: fc.record({
        kind: fc.constant('publish' as const),
        text: fc.string({ maxLength: 8 }),
        id: dedup ? fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }) : fc.constant(undefined),
      }),
      weight: 4,
    },
    { arbitrary: fc.record({ kind: fc.constant('pull' as const), max: fc.integer({ min: 1, max: 4 }) }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant('ack' as const), pick: fc.nat() }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant('nak' as const), pick: fc.nat() }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('expire' as const) }), weight: real ? 0 : 1 },
  );

  h.test('a model of publish, pull, ack, nak and expiry holds for random runs', async () => {
    const ackWaitMs = h.ackWaitMs();
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 30 }), async (actions) => {
        const { messaging, context } = await h.messaging();
        expectOk(await messaging.ensureConsumer({ subject: 'model', name: 'c', ackWaitMs }));
        const stored = new Map<string, string>(); // position → text
        const firstById = new Map<string, string>(); // message id → position
        const settled = new Set<string>();
        const firstDeliveries: string[] = [];
        let outstanding: ReceivedMessage[] = [];
        const receive = (got: readonly ReceivedMessage[]) => {
          for (const m of got) {
            expect(stored.get(m.position), `delivered ${m.position}`).toBe(textOf(m));
            expect(settled.has(m.position), `acknowledged ${m.position} came again`).toBe(false);
            if (m.deliveries === 1) firstDeliveries.push(m.position);
            outstanding = outstanding.filter((o) => o.position !== m.position);
            outstanding.push(m);
          }
        };
        const settle = async (m: ReceivedMessage) => {
          const acked = expectOk(await messaging.ack(m.token));
          expect(acked, `ack of ${m.position}`).toBe(!settled.has(m.position));
          settled.add(m.position);
        };
        for (const step of actions) {
          if (step.kind === 'publish') {
            const receipt = expectOk(
              await messaging.publish('model', step.text, step.id ? { messageId: step.id } : {}),
            );
            const first = step.id === undefined ? undefined : firstById.get(step.id);
            expect(receipt.duplicate).toBe(first !== undefined);
            if (first !== undefined) expect(receipt.position).toBe(first);
            else {
              stored.set(receipt.position, step.text);
              if (step.id !== undefined) firstById.set(step.id, receipt.position);
            }
          } else if (step.kind === 'pull') {
            receive(expectOk(await messaging.pull('model', 'c', { maxMessages: step.max })));
          } else if (step.kind === 'expire') {
            await h.elapse(context, ackWaitMs + 1);
          } else if (outstanding.length > 0) {
            const m = outstanding.splice(step.pick % outstanding.length, 1)[0] as ReceivedMessage;
            if (step.kind === 'ack') await settle(m);
            else expectOk(await messaging.nak(m.token));
          }
        }
        const order = [...stored.keys()];
        expect(firstDeliveries, 'first deliveries in publish order').toEqual(
          order.filter((p) => firstDeliveries.includes(p)),
        );
        // Drain: everything not yet settled arrives and is settled once. After the ack wait, so that
        // an acknowledged message wrongly kept pending would come back and be caught.
        for (const m of outstanding) expectOk(await messaging.nak(m.token));
        outstanding = [];
        await h.elapse(context, ackWaitMs + 1);
        await drain(messaging, receive, settle, () => stored.size - settled.size);
        expect([...settled].sort()).toEqual([...order].sort());
        await messaging.close();
      }),
      { numRuns: real ? Math.min(h.options.numRuns ?? 40, 15) : (h.options.numRuns ?? 40) },
    );
  });
}

async function drain(
  messaging: Messaging,
  receive: (got: readonly ReceivedMessage[]) => void,
  settle: (m: ReceivedMessage) => Promise<void>,
  left: () => number,
): Promise<void> {
  const until = Date.now() + 10_000;
  while (left() > 0 && Date.now() < until) {
    const got = expectOk(await messaging.pull('model', 'c', { maxMessages: 10, waitMs: 100 }));
    receive(got);
    for (const m of got) await settle(m);
  }
}
