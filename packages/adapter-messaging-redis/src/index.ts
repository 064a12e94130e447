export { createRedisMessaging, redisMessagingAdapter } from './redis-messaging-adapter.js';
export { redisMessagingOptions, type RedisMessagingOptions } from './redis-messaging-options.js';

declare module '@keel/core' {
  interface MessagingAdapterOptionsMap {
    redis: import('./redis-messaging-options.js').RedisMessagingOptions;
  }
}
