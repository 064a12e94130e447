// The store
export { createEvents, type Events } from './create-events.js';
export { eventsService, eventsToken, type EventsServiceOptions } from './events-service.js';
export {
  eventsOptions,
  type EventsOptions,
  type EventsOptionsSchema,
  type ResolvedEventsOptions,
} from './events-options.js';
export { EventsError, type EventsErrorCode, type EventsErrorInit } from './events-errors.js';

// Events and reads
export type {
  EventInput,
  StoredEvent,
  EventMetadata,
  EventTypeDefinition,
  EventPage,
  HistoryOptions,
  ByTypeOptions,
  ReplayOptions,
  EventQuery,
  AppendOptions,
  EventHandler,
  DeliveryContext,
} from './event-types.js';

// Subscriptions
export type { Subscription } from './subscription.js';
export {
  subscribeOptions,
  type SubscribeOptions,
  type SubscribeOptionsSchema,
  type ResolvedSubscribeOptions,
} from './subscription-options.js';
export type { DeadLetter, PartitionStatus } from './group-admin.js';
export type { WakeSource } from './wake-ups.js';

// Across machines, through messaging
export { fanOutEvents, type FanOutOptions } from './fan-out.js';
export { eventMessageHandler, type EventMessageHandlerOptions } from './event-message-handler.js';
export { encodeEventMessage } from './event-messages.js';
