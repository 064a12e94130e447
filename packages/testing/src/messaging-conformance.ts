import { describe } from 'vitest';
import { consumerTests } from './messaging-conformance-consumers.js';
import { deliveryTests } from './messaging-conformance-delivery.js';
import { lifecycleTests } from './messaging-conformance-lifecycle.js';
import { modelTests } from './messaging-conformance-model.js';
import { publishTests } from './messaging-conformance-publish.js';
import { MessagingHarness, type MessagingConformanceOptions } from './messaging-harness.js';

/**
 * The messaging contract as tests. Every messaging adapter — ours or a third party's, such as
 * one on NATS JetStream — runs it from one short test file; capabilities gate tests, and a
 * skipped test needs a written reason. Subjects and consumer names are the same in every
 * test: `factory` must return an isolated instance (its own key prefix, stream names, broker).
 *
 * @example
 * const brokers = new Map<string, MemoryBroker>();
 * describeMessagingConformance({
 *   name: 'memory',
 *   factory: ({ id, clock }) => createMemoryMessaging({ clock, broker: brokerOf(id) }),
 *   member: ({ id, clock }) => createMemoryMessaging({ clock, broker: brokerOf(id) }),
 *   capabilities: { durable: false, consumerGroups: true, replay: 'time', deduplication: true, deadLetter: true, maxMessageBytes: 1048576 },
 * });
 */
export function describeMessagingConformance(options: MessagingConformanceOptions): void {
  describe(`messaging conformance: ${options.name}`, () => {
    const h = new MessagingHarness(options);
    publishTests(h);
    deliveryTests(h);
    consumerTests(h);
    lifecycleTests(h);
    modelTests(h);
    h.checkSkips();
  });
}
