export { createRedisKv, redisKvAdapter } from './redis-kv-adapter.js';
export { redisKvOptions, type RedisKvOptions } from './redis-kv-options.js';

declare module '@keel/core' {
  interface KvAdapterOptionsMap {
    redis: import('./redis-kv-options.js').RedisKvOptions;
  }
}
