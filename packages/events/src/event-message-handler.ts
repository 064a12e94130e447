import type { MessageHandler, ReceivedMessage } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { decodeEventMessage } from './event-messages.js';
import { typeRegistry } from './event-registry.js';
import type { EventTypeDefinition, StoredEvent } from './event-types.js';
import type { EventsError } from './events-errors.js';
import { eventsOptions } from './events-options.js';

/** Options of `eventMessageHandler`. */
export interface EventMessageHandlerOptions {
  /** The app's event types, as given to `createEvents`: messages are upcast and checked by them. @default {} */
  readonly types?: Readonly<Record<string, EventTypeDefinition>>;
  /** Refuse an event of a type not in `types` (`UNKNOWN_TYPE`). @default true when types has entries */
  readonly strict?: boolean;
  /** How many handled event ids are remembered, to drop a redelivery or a republish. @default 10000 */
  readonly remember?: number;
  /** Told of every message that is not an acceptable event; the message is then refused (`nak`). */
  readonly onInvalid?: (error: EventsError, message: ReceivedMessage) => void;
}

/**
 * A messaging handler that hands `handler` typed events: each message read back into a
 * `StoredEvent`, upcast to its type's current version and checked by its schema. A message that
 * is not an acceptable event goes to `onInvalid` and is refused, so the consumer's
 * `maxDeliveries` and `deadLetterSubject` put it aside. Delivery is at least once: an event whose
 * id this handler has handled (among the last `remember`) is acknowledged without calling
 * `handler` again; across restarts, a handler that must not repeat itself keys on `event.id`.
 *
 * @example
 * await keel.messaging.ensureConsumer({ subject: 'events.TaskCreated', name: 'search', maxDeliveries: 5, deadLetterSubject: 'events.dead' });
 * keel.messaging.subscribe('events.TaskCreated', 'search', eventMessageHandler(async (event) => index(event.data), { types }));
 */
export function eventMessageHandler<T = unknown>(
  handler: (event: StoredEvent<T>, message: ReceivedMessage) => unknown,
  options: EventMessageHandlerOptions = {},
): MessageHandler {
  if (typeof handler !== 'function') throw new TypeError('eventMessageHandler: expected a handler function');
  const { remember = 10_000, onInvalid } = options;
  if (!Number.isInteger(remember) || remember < 0)
    throw new TypeError('eventMessageHandler: remember must be an integer ≥ 0');
  const { types, strict } = parseOptions(
    eventsOptions,
    { types: options.types ?? {}, ...(options.strict === undefined ? {} : { strict: options.strict }) },
    'eventMessageHandler',
  );
  const registry = typeRegistry(types, strict ?? Object.keys(types).length > 0, 'messaging');
  // Insertion-ordered: the oldest id is the first one, dropped past `remember`.
  const handled = new Set<string>();

  return async (message) => {
    const decoded = await decodeEventMessage(message, registry, 'messaging');
    if (decoded.isErr()) {
      onInvalid?.(decoded.error, message);
      throw decoded.error;
    }
    const event = decoded.value as StoredEvent<T>;
    if (handled.has(event.id)) return;
    await handler(event, message);
    if (remember === 0) return;
    handled.add(event.id);
    if (handled.size > remember) handled.delete(handled.values().next().value as string);
  };
}
