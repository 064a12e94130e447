import { createKeel } from '@keel/core';
import { KeelOptionsError } from '@keel/core/adapter';
import { ManualClock, expectOk, textOf } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { createMemoryMessaging, memoryMessagingAdapter } from '../src/index.js';

describe('createMemoryMessaging', () => {
  it('is chosen by config as keel.messaging once registered', async () => {
    const keel = expectOk(
      await createKeel(
        { messaging: { adapter: 'memory', options: { maxMessageBytes: 64 } } },
        { adapters: [memoryMessagingAdapter], env: false },
      ),
    );
    expect(keel.messaging.adapter).toBe('memory');
    expect(keel.messaging.capabilities.maxMessageBytes).toBe(64);
    expectOk(await keel.messaging.ensureConsumer({ subject: 'a', name: 'c' }));
    expectOk(await keel.messaging.publish('a', 'hi'));
    expect(expectOk(await keel.messaging.pull('a', 'c')).map(textOf)).toEqual(['hi']);
    await keel.close();
  });

  it('fails start-up when config requires what it cannot do', async () => {
    const started = createKeel(
      { messaging: { adapter: 'memory', requires: ['durable'] } },
      { adapters: [memoryMessagingAdapter], env: false },
    );
    await expect(started).rejects.toThrow(/durable/);
  });

  it('forgets a message id after the de-duplication window', async () => {
    const clock = new ManualClock();
    const messaging = createMemoryMessaging({ clock, dedupWindowMs: 1000 });
    expect(expectOk(await messaging.publish('a', 'x', { messageId: 'm' })).duplicate).toBe(false);
    clock.advance(999);
    expect(expectOk(await messaging.publish('a', 'x', { messageId: 'm' })).duplicate).toBe(true);
    clock.advance(1);
    expect(expectOk(await messaging.publish('a', 'x', { messageId: 'm' })).duplicate).toBe(false);
    await messaging.close();
  });

  it('keeps at most maxMessagesPerSubject, dropping the oldest', async () => {
    const messaging = createMemoryMessaging({ maxMessagesPerSubject: 2 });
    expectOk(await messaging.ensureConsumer({ subject: 'a', name: 'c' }));
    for (const text of ['1', '2', '3']) expectOk(await messaging.publish('a', text));
    expect(expectOk(await messaging.pull('a', 'c', { maxMessages: 10 })).map(textOf)).toEqual(['2', '3']);
    await messaging.close();
  });

  it('refuses bad options naming the field', () => {
    expect(() => createMemoryMessaging({ maxMessageBytes: 0 })).toThrow(KeelOptionsError);
    expect(() => createMemoryMessaging({ broker: {} as never })).toThrow(/broker/);
  });
});
