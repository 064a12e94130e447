import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built package the way an app gets it: plain `node`, no source condition, so `@keel/cache`,
// `@keel/core` and `@keel/adapter-kv-memory` resolve to their `dist`.
const cwd = fileURLToPath(new URL('..', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

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

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('works from plain node with the built core and kv adapter', () => {
    const child = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      cwd,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      loads: 1,
      same: true,
      n: '1',
      at: '1970-01-01T00:00:00.000Z',
      after: null,
      error: true,
    });
  });
});
