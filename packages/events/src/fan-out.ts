import type { Messaging } from '@keel/core';
import type { Events } from './create-events.js';
import { encodeEventMessage } from './event-messages.js';
import type { StoredEvent } from './event-types.js';
import type { Subscription } from './subscription.js';
import type { SubscribeOptions } from './subscription-options.js';

/** Options of `fanOutEvents`: which events, where they go, and the subscription group that relays them. */
export interface FanOutOptions extends SubscribeOptions {
  /** The event types (exact names or patterns such as `Order*`) to publish. */
  readonly types: string | readonly string[];
  /**
   * The subject of an event: a prefix (`events` sends `OrderPlaced` to `events.OrderPlaced`, a `:`
   * in a type name becoming `_`), or a function; a function returning `undefined` skips the event.
   * @default 'events'
   */
  readonly subject?: string | ((event: StoredEvent) => string | undefined);
  /** The message's data. @default encodeEventMessage (what `eventMessageHandler` reads) */
  readonly encode?: (event: StoredEvent) => string | Uint8Array;
}

/**
 * Publishes every committed event of `types` to messaging, where any machine that reaches the
 * messaging server reads it (`eventMessageHandler`). The relay is a durable subscription group of
 * the store: each event is published by one of the group's consumers (in any process) after it
 * committed, and the checkpoint moves past it only once the publish succeeded, so nothing
 * committed is lost and a crash publishes it again. Every message carries the event's id as its
 * `messageId` (when the adapter de-duplicates): the adapter drops a repeat within its window, and
 * `eventMessageHandler` drops one it has handled.
 *
 * @example
 * const relay = fanOutEvents(events, keel.messaging, { types: ['TaskCreated', 'TaskCompleted'], group: 'fan-out' });
 * // on any machine:
 * await keel.messaging.ensureConsumer({ subject: 'events.TaskCreated', name: 'search-index' });
 * keel.messaging.subscribe('events.TaskCreated', 'search-index', eventMessageHandler((event) => index(event), { types }));
 */
export function fanOutEvents(events: Events, messaging: Messaging, options: FanOutOptions): Subscription {
  const { types, subject = 'events', encode = encodeEventMessage, ...subscribe } = options;
  if (typeof messaging?.publish !== 'function') throw new TypeError('fanOutEvents: expected a Keel Messaging');
  if (typeof subject !== 'function' && (typeof subject !== 'string' || subject === ''))
    throw new TypeError('fanOutEvents: subject must be a subject prefix or a function of the event');
  if (typeof encode !== 'function') throw new TypeError('fanOutEvents: encode must be a function of the event');
  const subjectOf =
    typeof subject === 'function' ? subject : (event: StoredEvent) => `${subject}.${event.type.replaceAll(':', '_')}`;
  return events.subscribe(
    types,
    async (event) => {
      const to = subjectOf(event);
      if (to === undefined) return;
      const messageId = messaging.capabilities.deduplication ? { messageId: event.id } : {};
      const sent = await messaging.publish(to, encode(event), messageId);
      // Thrown, the event is tried again: the group's checkpoint does not move past it.
      if (sent.isErr()) throw sent.error;
    },
    subscribe,
  );
}
