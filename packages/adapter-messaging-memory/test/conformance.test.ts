import { describeMessagingConformance } from '@keel/testing';
import { createMemoryBroker, createMemoryMessaging, type MemoryBroker } from '../src/index.js';

// Instances built with the same context id share a broker: they are members of the same groups.
const brokers = new Map<string, MemoryBroker>();
const brokerOf = (id: string) => brokers.get(id) ?? (brokers.set(id, createMemoryBroker()).get(id) as MemoryBroker);

describeMessagingConformance({
  name: 'memory',
  factory: ({ id, clock }) => createMemoryMessaging({ clock, broker: brokerOf(id) }),
  member: ({ id, clock }) => createMemoryMessaging({ clock, broker: brokerOf(id) }),
  capabilities: {
    durable: false,
    consumerGroups: true,
    replay: 'time',
    deduplication: true,
    deadLetter: true,
    maxMessageBytes: 1024 * 1024,
  },
});
