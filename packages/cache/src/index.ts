export { createCache, type Cache, type CacheHit } from './create-cache.js';
export { cacheOptions, type CacheOptions, type CacheOptionsSchema, type CacheSetOptions } from './cache-options.js';
export { CacheError, type CacheErrorCode, type CacheErrorInit } from './cache-errors.js';
export type { CacheStats } from './cache-stats.js';
export type { LoadedValue, LoadError } from './run-load.js';
export { cacheService, cacheToken, type CacheServiceOptions } from './cache-service.js';
export {
  invalidateOnEvents,
  type CacheEvent,
  type CacheInvalidation,
  type InvalidationRules,
} from './invalidate-on-events.js';
