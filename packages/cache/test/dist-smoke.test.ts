import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, so `@keel/cache`,
// `@keel/core` and `@keel/adapter-kv-memory` resolve to their `dist`.
const script = `
  import { createMemoryKv } from '@keel/adapter-kv-memory';
  import { CacheError, createCache, invalidateOnEvents } from '@keel/cache';
  const cache = createCache(createMemoryKv());
  let loads = 0;
  const load = async () => { loads++; return { n: 1n, at: new Date(0) }; };
  const all = await Promise.all(Array.from({ length: 100 }, () => cache.getOrSet('k', load, { tags: ['t'] })));
  const hit = (await cache.getOrSet('k', load, { tags: ['t'] }))._unsafeUnwrap();
  await invalidateOnEvents(cache, { Changed: () => ({ tags: ['t'] }) })({ type: 'Changed', aggregateId: '1', data: {} });
  const failed = await cache.getOrSet('x', () => { throw new Error('boom'); });
  console.log(JSON.stringify({ loads, same: all.every((r) => r.isOk()), n: String(hit.n), at: hit.at.toISOString(),
    after: (await cache.get('k'))._unsafeUnwrap() ?? null, error: failed._unsafeUnwrapErr() instanceof CacheError }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  title: 'works from plain node with the built core and kv adapter',
  expected: {
    loads: 1,
    same: true,
    n: '1',
    at: '1970-01-01T00:00:00.000Z',
    after: null,
    error: true,
  },
});
