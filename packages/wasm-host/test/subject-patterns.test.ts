import { createMemoryMessaging } from '@keel/adapter-messaging-memory';
import { describe, expect, it } from 'vitest';
import { CursorSeal } from '../src/imports/cursor-seal.js';
import { messagingBinding } from '../src/imports/messaging-binding.js';
import {
  parseSubjectPattern,
  subjectMatches,
  subjectPatternProblem,
  type SubjectPattern,
} from '../src/imports/subject-patterns.js';

const matches = (pattern: string, subject: string) => subjectMatches(parseSubjectPattern(pattern), subject);

describe('subject patterns', () => {
  it.each([
    ['orders', 'orders', true],
    ['orders', 'ordersX', false],
    ['orders', 'orders.created', false],
    ['orders.*', 'orders.created', true],
    ['orders.*', 'orders', false],
    ['orders.*', 'ordersX.created', false],
    ['orders.*', 'orders.created.eu', false],
    ['orders.>', 'orders.created.eu', true],
    ['orders.>', 'orders', false],
    ['*.created', 'orders.created', true],
    ['>', 'anything.at.all', true],
    // A guest's wildcards and empty tokens are never covered, whatever the pattern.
    ['orders.*', 'orders.*', false],
    ['orders.>', 'orders.>', false],
    ['>', '>', false],
    ['>', 'orders..x', false],
    ['orders.*', 'orders.', false],
  ])('%s covers %s: %s', (pattern, subject, covered) => {
    expect(matches(pattern, subject)).toBe(covered);
  });

  it('refuses patterns that are not patterns', () => {
    expect(subjectPatternProblem('orders.>.x')).toContain("'>' may only be the last token");
    expect(subjectPatternProblem('orders..x')).toContain('is not a subject pattern');
    expect(subjectPatternProblem('ord*')).toContain('is not a subject pattern');
    expect(subjectPatternProblem('orders.*.>')).toBeUndefined();
  });
});

describe('the messaging binding', () => {
  it('needs the publish grant for a dead-letter subject, which is published on the guest’s behalf', async () => {
    const messaging = createMemoryMessaging();
    const denials: string[] = [];
    const ctx = {
      componentId: 'c',
      hash: 'h',
      logger: {},
      denied: (_iface: string, fn: string, reason: string) => {
        denials.push(`${fn}: ${reason}`);
        return { tag: 'access-denied', val: reason };
      },
    };
    const grant = {
      publish: [parseSubjectPattern('orders.dead')] as SubjectPattern[],
      consume: [parseSubjectPattern('orders.*')],
      maxMessageBytes: undefined,
      consumerPrefix: 'wasm-c-',
    };
    const b = messagingBinding(messaging, grant, ctx, new CursorSeal(), 1000);
    const config = (deadLetterSubject: string) => ({
      subject: 'orders.created',
      name: 'w',
      start: { tag: 'all' },
      ackWaitMs: 1000,
      maxDeliveries: 3,
      deadLetterSubject,
    });
    const ensure = b.ensureConsumer as (c: ReturnType<typeof config>) => unknown;
    expect(() => ensure(config('billing.dead'))).toThrow(expect.objectContaining({ tag: 'access-denied' }));
    expect(denials[0]).toBe(
      "ensureConsumer: the messaging grant does not allow publish on the dead-letter subject 'billing.dead'",
    );
    await ensure(config('orders.dead'));
    // Deleting and pulling need the consume grant, even for a consumer of the component's own name.
    expect(() => (b.deleteConsumer as (s: string, c: string) => unknown)('billing.x', 'w')).toThrow(
      expect.objectContaining({ tag: 'access-denied' }),
    );
    expect(() => (b.pull as (s: string, c: string, o: object) => unknown)('billing.x', 'w', {})).toThrow(
      expect.objectContaining({ tag: 'access-denied' }),
    );
    // Stored under the prefix; the adapter's error messages do not show it to the guest.
    expect((await messaging.deleteConsumer('orders.created', 'wasm-c-w'))._unsafeUnwrap()).toBe(true);
    const pull = b.pull as (s: string, c: string, o: object) => Promise<unknown>;
    await expect(pull('orders.created', 'w', { maxMessages: 1, waitMs: 0 })).rejects.toEqual({
      tag: 'not-found',
      val: expect.not.stringContaining('wasm-c-'),
    });
    await messaging.close();
  });

  it("waits no longer than the call's time limit, whatever the guest asks", async () => {
    const messaging = createMemoryMessaging();
    const waits: number[] = [];
    // The real adapter, with the pull options it is given written down.
    const spied = {
      ...messaging,
      pull: (s: string, c: string, o?: { waitMs?: number; maxMessages?: number }) => {
        waits.push(o?.waitMs ?? 0);
        return messaging.pull(s, c, o);
      },
    };
    const ctx = { componentId: 'c', hash: 'h', logger: {}, denied: () => ({ tag: 'access-denied' }) };
    const grant = {
      publish: [],
      consume: [parseSubjectPattern('q')],
      maxMessageBytes: undefined,
      consumerPrefix: 'p-',
    };
    const b = messagingBinding(spied, grant, ctx, new CursorSeal(), 20);
    await (b.ensureConsumer as (c: object) => Promise<unknown>)({
      subject: 'q',
      name: 'w',
      start: { tag: 'all' },
      ackWaitMs: 1000,
    });
    const pull = b.pull as (s: string, c: string, o: object) => Promise<unknown[]>;
    try {
      // Checked as the pull starts: a pull that is not cut short would keep the test waiting.
      const long = pull('q', 'w', { maxMessages: 1, waitMs: 300_000 });
      expect(waits).toEqual([20]);
      expect(await long).toEqual([]);
      expect(await pull('q', 'w', { maxMessages: 1, waitMs: 5 })).toEqual([]);
      expect(waits).toEqual([20, 5]);
    } finally {
      await messaging.close();
    }
  });
});
