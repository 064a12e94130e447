import { createMemoryKv } from '@keel/adapter-kv-memory';
import { ok, type Result, type ResultAsync, okAsync } from '@keel/core';
import { describe, expectTypeOf, it } from 'vitest';
import { type CacheError, createCache } from '../src/index.js';

interface Task {
  readonly id: string;
}
interface NotFound {
  readonly code: 'NOT_FOUND';
}

describe('getOrSet types', () => {
  const cache = createCache(createMemoryKv());

  it("carries the loader's value type and its Err type through, whatever the loader returns", () => {
    expectTypeOf(cache.getOrSet('k', () => 1)).toEqualTypeOf<ResultAsync<number, CacheError>>();
    expectTypeOf(cache.getOrSet('k', async () => ({ id: '1' }) as Task | undefined)).toEqualTypeOf<
      ResultAsync<Task | undefined, CacheError>
    >();
    const fromResult = () => ok({ id: '1' }) as Result<Task, NotFound>;
    const fromResultAsync = () => okAsync({ id: '1' }) as ResultAsync<Task, NotFound>;
    const fromPromisedResult = async () => ok({ id: '1' }) as Result<Task, NotFound>;
    expectTypeOf(cache.getOrSet('k', fromResult)).toEqualTypeOf<ResultAsync<Task, NotFound | CacheError>>();
    expectTypeOf(cache.getOrSet('k', fromResultAsync)).toEqualTypeOf<ResultAsync<Task, NotFound | CacheError>>();
    expectTypeOf(cache.getOrSet('k', fromPromisedResult)).toEqualTypeOf<ResultAsync<Task, NotFound | CacheError>>();
  });
});
