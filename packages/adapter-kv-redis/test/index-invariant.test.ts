import { createClient } from '@redis/client';
import type { Kv, KvError, KvValue, ResultAsync } from '@keel/core';
import { expectOk, type PrivateServer, privateRedis } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisKv } from '../src/index.js';

/**
 * A set of a key that exists may be one plain `SET … XX`, without touching the scan index:
 * correct only while every key that exists is in the index. These tests check that invariant where it
 * could break — racing writers, and connections killed between and during commands — and that
 * the fast path really is the one taken. A Redis of their own: its command counts are theirs alone.
 */
const redis = privateRedis();

describe.skipIf(redis.skip)('the scan index holds every key that exists', () => {
  let server: PrivateServer;
  let admin: ReturnType<typeof createClient>;
  const opened: Kv[] = [];
  const store = (keyPrefix: string, commandTimeoutMs = 5000): Kv => {
    const kv = createRedisKv({ url: server.url, keyPrefix, commandTimeoutMs });
    opened.push(kv);
    return kv;
  };
  beforeAll(async () => {
    server = await (redis.server as NonNullable<typeof redis.server>).start();
    admin = createClient({ url: server.url });
    await admin.connect();
  }, 30_000);
  afterAll(async () => {
    await Promise.all(opened.map((kv) => kv.close()));
    await admin?.close();
    await server?.stop();
  });

  /** Calls of each command since the last reset. */
  async function commandCalls(): Promise<Record<string, number>> {
    const info = String(await admin.sendCommand(['INFO', 'commandstats']));
    return Object.fromEntries([...info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
  }

  /** Keys whose value exists but that the index lacks: one script, so one consistent moment of Redis itself. */
  async function unindexed(prefix: string): Promise<string[]> {
    const check = `local out = {}
for _, k in ipairs(redis.call('KEYS', ARGV[1] .. 'k:*')) do
  local member = string.sub(k, #ARGV[1] + 3)
  if not redis.call('ZSCORE', ARGV[1] .. 'i', member) then out[#out + 1] = member end
end
return out`;
    return (await admin.sendCommand(['EVAL', check, '0', prefix])) as string[];
  }

  it('overwrites a key it wrote with one SET … XX, and writes any other key with one script', async () => {
    const kv = store('fast:');
    const other = store('fast:');
    expectOk(await kv.set('warm', 'up'));
    const calls = async (write: () => ResultAsync<unknown, KvError>) => {
      await admin.sendCommand(['CONFIG', 'RESETSTAT']);
      await write();
      const counted = await commandCalls();
      return { set: counted.set ?? 0, evalsha: counted.evalsha ?? 0, zadd: counted.zadd ?? 0 };
    };
    // New to this store: the script (its SET and ZADD run inside it).
    expect(await calls(() => kv.set('k', 'first'))).toEqual({ set: 1, evalsha: 1, zadd: 1 });
    // Written by this store: one SET … XX, the index untouched.
    expect(await calls(() => kv.set('k', 'second'))).toEqual({ set: 1, evalsha: 0, zadd: 0 });
    // Written by another store: the script again, which finds the key indexed.
    expect(await calls(() => other.set('k', 'third'))).toEqual({ set: 1, evalsha: 1, zadd: 1 });
    // Deleted by the other store since: the SET … XX finds nothing, and the script writes it.
    expectOk(await other.delete('k'));
    expect(await calls(() => kv.set('k', 'fourth'))).toEqual({ set: 2, evalsha: 1, zadd: 1 });
    // Expired since: the same.
    expectOk(await kv.set('brief', 1n));
    expectOk(await kv.expire('brief', 5));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await calls(() => kv.set('brief', 2n))).toEqual({ set: 2, evalsha: 1, zadd: 1 });
    expect(expectOk(await other.scan()).entries).toEqual([
      { key: 'brief', value: 2n },
      { key: 'k', value: 'fourth' },
      { key: 'warm', value: 'up' },
    ]);
  });

  it('creates, counts and lists keys exactly with increment, across the range a double holds exactly', async () => {
    const kv = store('count:');
    expect(expectOk(await kv.increment('fresh', 7n))).toBe(7n);
    expectOk(await kv.set('zero', 0n));
    expect(expectOk(await kv.increment('zero', 3n))).toBe(3n);
    for (const start of [2n ** 52n - 2n, -(2n ** 52n) + 2n, 2n ** 53n - 1n, 2n ** 63n - 4n, -(2n ** 63n) + 3n]) {
      const step = start > 0n ? 1n : -1n;
      expectOk(await kv.set('edge', start));
      for (let i = 1n; i <= 3n; i++) expect(expectOk(await kv.increment('edge', step))).toBe(start + i * step);
    }
    expect(expectOk(await kv.scan()).entries.map((e) => e.key)).toEqual(['edge', 'fresh', 'zero']);
    expect(await unindexed('count:')).toEqual([]);
  });

  it('still holds after writers race on a few keys while their connections are killed', async () => {
    const prefix = 'race:';
    const writers = [store(prefix, 1000), store(prefix, 1000), store(prefix, 1000)];
    const keys = ['a', 'b', 'c', 'd'];
    const values: KvValue[] = ['text', 7n, 1.5, true, new Uint8Array([1, 2])];
    let running = true;
    let kills = 0;
    const broken = new Set<string>();
    const killer = (async () => {
      for (let i = 0; running; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        // Checked all along, not only at the end: a later delete would hide a break.
        for (const key of await unindexed(prefix)) broken.add(key);
        // Every connection but this one: calls in flight fail, the stores reconnect by themselves.
        if (i % 5 === 0)
          kills += Number(await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']));
      }
    })();
    // Four loops per store, so that commands of different calls interleave on the server.
    const loops = writers.flatMap((kv, w) => [0, 1, 2, 3].map((l) => ({ kv, w: w * 4 + l })));
    await Promise.all(
      loops.map(async ({ kv, w }) => {
        for (let i = 0; i < 150; i++) {
          const key = keys[(i * 7 + w) % keys.length] as string;
          const value = values[i % values.length] as KvValue;
          // Outcomes do not matter here (a killed call is UNAVAILABLE); what Redis holds afterwards does.
          switch (i % 6) {
            case 0:
            case 1:
              await kv.set(key, value);
              break;
            case 2:
              await kv.delete(key);
              break;
            case 3:
              await kv.increment(`n${key}`, 1n);
              break;
            case 4:
              await kv.compareAndSwap(key, undefined, value);
              break;
            default:
              await kv.deleteMany([key, `n${key}`]);
          }
        }
      }),
    );
    running = false;
    await killer;
    expect(kills).toBeGreaterThan(0);
    expect([...broken]).toEqual([]);
    expect(await unindexed(prefix)).toEqual([]);
    // A fresh store: the writers may still be waiting out a reconnect that the last kill cut short.
    const listed = expectOk(await store(prefix).scan()).entries.map((e) => e.key);
    const existing = ((await admin.sendCommand(['KEYS', `${prefix}k:*`])) as string[])
      .map((k) => k.slice(`${prefix}k:`.length))
      .sort();
    expect(listed).toEqual(existing);
  }, 60_000);
});
