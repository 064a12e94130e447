export { createNatsMessaging, natsMessagingAdapter } from './nats-messaging-adapter.js';
export { natsMessagingOptions, type NatsMessagingOptions } from './nats-messaging-options.js';

declare module '@keel/core' {
  interface MessagingAdapterOptionsMap {
    nats: import('./nats-messaging-options.js').NatsMessagingOptions;
  }
}
