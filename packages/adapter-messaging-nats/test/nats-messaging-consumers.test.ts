import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { ResolvedConsumerConfig } from '@keel/core/adapter';
import { testNats } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { consumerStore } from '../src/nats-messaging-consumers.js';
import { durableName } from '../src/nats-messaging-names.js';

const nats = await testNats();

describe.skipIf(nats.skip)('consumer settings', () => {
  afterAll(() => nats.server?.cleanup());

  it('a read of the server in flight when a change is made here does not remember the settings before it', async () => {
    const server = nats.server as NonNullable<typeof nats.server>;
    const { stream, subjectPrefix } = server.stream('settings');
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${subjectPrefix}.>`] });
    // The next consumer read answers when the gate opens, with what it read when sent.
    let open = () => {};
    let hold = false;
    const consumers = new Proxy(jsm.consumers, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (prop !== 'info' || !hold) return typeof value === 'function' ? value.bind(target) : value;
        hold = false;
        return (...args: Parameters<typeof target.info>) => {
          const read = target.info(...args);
          return new Promise<void>((resolve) => (open = resolve)).then(() => read);
        };
      },
    });
    const store = consumerStore(
      () => ({ ...jsm, consumers }) as typeof jsm,
      stream,
      (s) => `${subjectPrefix}.${s}`,
    );
    const config = (maxDeliveries: number): ResolvedConsumerConfig => ({
      subject: 'orders',
      name: 'billing',
      start: { kind: 'new' },
      ackWaitMs: 30_000,
      maxDeliveries,
      deadLetterSubject: 'orders.dead',
    });
    const durable = durableName('orders', 'billing');
    try {
      await store.ensure(config(3));
      hold = true;
      const stale = store.settings(durable, true); // reads maxDeliveries 3, answered later
      await store.ensure(config(5));
      open();
      expect((await stale).maxDeliveries).toBe(3);
      expect(store.cached(durable)?.maxDeliveries).toBe(5);
    } finally {
      await jsm.streams.delete(stream);
      await nc.close();
    }
  });
});
