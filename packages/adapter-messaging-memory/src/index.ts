export { createMemoryMessaging, memoryMessagingAdapter } from './memory-messaging-adapter.js';
export { createMemoryBroker, MemoryBroker } from './memory-broker.js';
export { memoryMessagingOptions, type MemoryMessagingOptions } from './memory-messaging-options.js';

declare module '@keel/core' {
  interface MessagingAdapterOptionsMap {
    memory: import('./memory-messaging-options.js').MemoryMessagingOptions;
  }
}
