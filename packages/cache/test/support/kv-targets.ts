import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLevelKv } from '@keel/adapter-kv-level';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createRedisKv } from '@keel/adapter-kv-redis';
import type { Kv, KvLimits } from '@keel/core';
import { testRedis } from '@keel/testing';
import { afterAll, afterEach } from 'vitest';

/** A kv adapter the suites run on; `open()` gives a fresh, empty store each time. */
export interface KvTarget {
  readonly name: string;
  /** Why the suite skips here (no server), or `undefined`. */
  readonly skip?: string;
  open(limits?: Partial<KvLimits>): Kv;
  /** A second connection to the store `open` gave last (Redis): another process would have its own. */
  reconnect?(): Kv;
}

/** Every store opened in a test file is closed after each test. */
function tracked(): (kv: Kv) => Kv {
  const open: Kv[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((kv) => kv.close()));
  });
  return (kv) => {
    open.push(kv);
    return kv;
  };
}

export function memoryTarget(): KvTarget {
  const track = tracked();
  return { name: 'kv-memory', open: (limits) => track(createMemoryKv({ limits })) };
}

/** LevelDB in a real folder per store (one process at a time may open a folder). */
export function levelTarget(): KvTarget {
  const track = tracked();
  const root = mkdtempSync(join(tmpdir(), 'keel-cache-level-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return {
    name: 'kv-level',
    open: (limits) => track(createLevelKv({ location: join(root, `store-${n++}`), limits })),
  };
}

/** The machine's Redis, a fresh key prefix per store. */
export async function redisTarget(): Promise<KvTarget> {
  const redis = await testRedis();
  const server = redis.server;
  if (server === undefined) {
    return { name: 'kv-redis', skip: redis.skip, open: () => expectNever() };
  }
  const track = tracked();
  afterAll(() => server.cleanup());
  let last = '';
  return {
    name: 'kv-redis',
    open(limits) {
      last = server.prefix('cache');
      return track(createRedisKv({ url: server.url, keyPrefix: last, limits }));
    },
    reconnect: () => track(createRedisKv({ url: server.url, keyPrefix: last })),
  };
}

function expectNever(): never {
  throw new Error('skipped target');
}
