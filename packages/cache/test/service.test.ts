import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createKeel, createToken, type Kv } from '@keel/core';
import { KeelOptionsError } from '@keel/core/adapter';
import { expectOk } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { type Cache, cacheService, cacheToken, createCache } from '../src/index.js';

describe('cacheService in createKeel', () => {
  it('builds the cache on the default kv, after it', async () => {
    const keel = expectOk(
      await createKeel(
        { kv: { adapter: 'memory' } },
        { env: false, adapters: [memoryKvAdapter], services: [cacheService({ ttlMs: 60_000 })] },
      ),
    );
    const cache = keel.resolve(cacheToken);
    expect(expectOk(await cache.getOrSet('k', () => 'loaded'))).toBe('loaded');
    // The entry is in the default kv, under the cache's prefix.
    expect(expectOk(await keel.kv.exists('cache:e:k'))).toBe(true);
    await keel.close();
  });

  it('builds one cache per token on the kv instance each names', async () => {
    const sessions = createToken<Cache>('sessions cache');
    const keel = expectOk(
      await createKeel(
        { kv: { default: { adapter: 'memory' }, cache: { adapter: 'memory' } } },
        {
          env: false,
          adapters: [memoryKvAdapter],
          services: [cacheService({ kv: 'cache' }), cacheService({ kv: 'default', prefix: 's:' }, sessions)],
        },
      ),
    );
    expectOk(await keel.resolve(cacheToken).set('k', 1));
    expectOk(await keel.resolve(sessions).set('k', 2));
    const cacheKv = (keel as unknown as { kv: (name: string) => Kv }).kv('cache');
    expect(expectOk(await cacheKv.exists('cache:e:k'))).toBe(true);
    expect(expectOk(await keel.kv.exists('s:e:k'))).toBe(true);
    expect(expectOk(await keel.kv.exists('cache:e:k'))).toBe(false);
    await keel.close();
  });

  it('takes a Kv itself, and checks its options where it is declared', async () => {
    const kv = createMemoryKv();
    const keel = expectOk(await createKeel({}, { env: false, services: [cacheService({ kv })] }));
    expectOk(await keel.resolve(cacheToken).set('k', 'v'));
    expect(expectOk(await kv.exists('cache:e:k'))).toBe(true);
    await keel.close();
    await kv.close();
    expect(() => cacheService({ ttl: 5 } as never)).toThrow(/ttl: is not an option; did you mean 'ttlMs'\?/);
    expect(() => cacheService({ kv: 42 as never })).toThrow(KeelOptionsError);
  });
});

describe('createCache options', () => {
  it('names each bad option', () => {
    const kv = createMemoryKv();
    expect(() => createCache(kv, { leaseMs: -1 })).toThrow(/leaseMs: expected an integer from 0 to 2147483647, got -1/);
    expect(() => createCache(kv, { negativeTtlMs: 1.5, prefix: 3 as never })).toThrow(
      /prefix: .*negativeTtlMs|negativeTtlMs: .*prefix/,
    );
    expect(() => createCache(kv, { onError: 'log' as never })).toThrow(/onError: expected a function/);
    expect(() => createCache({ ...kv, capabilities: { ...kv.capabilities, ttl: false } })).toThrow(
      /kv: must support TTLs/,
    );
  });
});
