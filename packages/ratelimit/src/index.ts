export { createRateLimiter, type RateLimiter } from './create-rate-limiter.js';
export type { RateLimitDecision } from './algorithms.js';
export { rateLimitHeaders } from './rate-limit-headers.js';
export { RateLimitError, type RateLimitErrorCode } from './ratelimit-errors.js';
export { rateLimitOptions, type RateLimitOptions } from './ratelimit-options.js';
