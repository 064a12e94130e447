import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createObservability } from '@keel/core';
import { expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { createCache } from '../src/index.js';

it('counts lookups by result and loads by outcome: the hit ratio an operator charts', async () => {
  const observability = createObservability({ prometheus: true });
  const cache = createCache(createMemoryKv(), { observability });
  for (let i = 0; i < 4; i++) expectOk(await cache.getOrSet('k', () => 1));
  const text = await observability.metricsText();
  expect(text).toContain('keel_cache_lookups_total{prefix="cache:",result="hit"} 3');
  expect(text).toContain('keel_cache_lookups_total{prefix="cache:",result="miss"} 1');
  expect(text).toContain('keel_cache_loads_total{prefix="cache:",outcome="ok"} 1');
});
