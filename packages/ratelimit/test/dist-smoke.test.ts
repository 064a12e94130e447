import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, so
// `@keel/ratelimit`, `@keel/core` and `@keel/adapter-kv-memory` resolve to their `dist`.
const script = `
  import { createMemoryKv } from '@keel/adapter-kv-memory';
  import { createRateLimiter, RateLimitError, rateLimitHeaders } from '@keel/ratelimit';
  const limiter = createRateLimiter(createMemoryKv(), { limit: 2, intervalMs: 60_000 });
  const allowed = [];
  for (let i = 0; i < 3; i++) allowed.push((await limiter.consume('k'))._unsafeUnwrap().allowed);
  const refused = (await limiter.consume('k'))._unsafeUnwrap();
  const bad = (await limiter.consume(''))._unsafeUnwrapErr();
  console.log(JSON.stringify({ allowed, retry: rateLimitHeaders(refused)['Retry-After'], code: bad.code, typed: bad instanceof RateLimitError }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  expected: { allowed: [true, true, false], retry: '30', code: 'INVALID_ARGUMENT', typed: true },
});
