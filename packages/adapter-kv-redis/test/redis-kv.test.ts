import { createClient } from '@redis/client';
import type { Kv, KvEntry } from '@keel/core';
import { compareKeys } from '@keel/core/adapter';
import { expectErr, expectOk, testRedis } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisKv } from '../src/index.js';

const redis = await testRedis();
const server = redis.server;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(redis.skip)('redis kv on the machine’s Redis', () => {
  let admin: ReturnType<typeof createClient>;
  const opened: Kv[] = [];
  const store = (keyPrefix: string): Kv => {
    const kv = createRedisKv({ url: server?.url, keyPrefix });
    opened.push(kv);
    return kv;
  };
  beforeAll(async () => {
    admin = createClient({ url: server?.url });
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(opened.map((kv) => kv.close()));
    await admin.close();
    await server?.cleanup();
  });

  /** Every page of a scan, each page resumed from the last cursor. */
  async function pages(kv: Kv, prefix: string, limit: number): Promise<(readonly KvEntry[])[]> {
    const out: (readonly KvEntry[])[] = [];
    let cursor: string | undefined;
    do {
      const page = expectOk(await kv.scan({ prefix, limit, ...(cursor === undefined ? {} : { cursor }) }));
      out.push(page.entries);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return out;
  }

  it('scans in UTF-8 byte order across pages while other writers add, delete and let keys expire', async () => {
    const prefix = server?.prefix('order') as string;
    const kv = store(prefix);
    const writer = store(prefix);
    // Both sides of the UTF-16/UTF-8 order difference, astral characters, a NUL, nested prefixes.
    const chars = ['a', 'b', 'z', 'é', '\u0000', '\u007f', '\u0080', '\ud7ff', '\ue000', '\uffff', '😀', ':'];
    const stable = new Set<string>();
    for (const x of chars) for (const y of chars) stable.add(`s${x}${y}`);
    await Promise.all([...stable].map((key) => kv.set(key, key)));
    // Keys that expire before the scan: never returned, and the scan drops them from the index.
    await Promise.all(chars.map((x) => kv.set(`s${x}~gone`, 'x', { ttlMs: 20 })));
    await sleep(60);

    let writing = true;
    const churn = (async () => {
      for (let i = 0; writing; i++) {
        const key = `s${chars[i % chars.length]}~${i}`;
        expectOk(await writer.set(key, i, i % 3 === 0 ? { ttlMs: 5 } : undefined));
        if (i % 2 === 0) expectOk(await writer.delete(key));
      }
    })();
    const seen = (await pages(kv, 's', 7)).flat();
    writing = false;
    await churn;

    const keys = seen.map((e) => e.key);
    for (let i = 1; i < keys.length; i++) expect(compareKeys(keys[i - 1] as string, keys[i] as string)).toBeLessThan(0);
    const stableSeen = keys.filter((key) => stable.has(key));
    expect(stableSeen).toEqual([...stable].sort(compareKeys));
    expect(keys.filter((key) => key.endsWith('~gone'))).toEqual([]);
    for (const { key, value } of seen) if (stable.has(key)) expect(value).toBe(key);
    const index = (await admin.sendCommand(['ZRANGE', `${prefix}i`, '0', '-1'])) as string[];
    expect(index.filter((member) => member.endsWith('~gone'))).toEqual([]);
  });

  it('keeps the index from growing with keys that expired and were never scanned', async () => {
    const prefix = server?.prefix('prune') as string;
    const kv = store(prefix);
    expectOk(await kv.setMany(Array.from({ length: 40 }, (_, i) => ({ key: `old${i}`, value: i })), { ttlMs: 10 }));
    expect(await admin.sendCommand(['ZCARD', `${prefix}i`])).toBe(40);
    await sleep(40);
    // Each write with a TTL drops up to 8 index members whose keys have expired.
    for (let i = 0; i < 5; i++) expectOk(await kv.set(`new${i}`, i, { ttlMs: 60_000 }));
    expect(await admin.sendCommand(['ZCARD', `${prefix}i`])).toBe(5);
  });

  it('never shows one prefix’s keys to another', async () => {
    const a = store(server?.prefix('tenant-a') as string);
    const b = store(server?.prefix('tenant-b') as string);
    expectOk(await a.setMany([{ key: 'user:1', value: 'a1' }, { key: 'user:2', value: 'a2' }]));
    expectOk(await b.setMany([{ key: 'user:1', value: 'b1' }, { key: 'user:3', value: 'b3' }]));
    expect(expectOk(await a.scan()).entries).toEqual([{ key: 'user:1', value: 'a1' }, { key: 'user:2', value: 'a2' }]);
    expect(expectOk(await b.scan()).entries).toEqual([{ key: 'user:1', value: 'b1' }, { key: 'user:3', value: 'b3' }]);
    expect(expectOk(await b.get('user:2'))).toBeUndefined();
    expect(expectOk(await a.deleteMany(['user:1', 'user:3']))).toBe(1);
    expect(expectOk(await b.getMany(['user:1', 'user:3']))).toEqual(['b1', 'b3']);
    expect(expectOk(await a.increment('n', 5n))).toBe(5n);
    expect(expectOk(await b.increment('n'))).toBe(1n);
  });

  it('keeps counters exact under compare-and-swap and increment from several connections', async () => {
    const prefix = server?.prefix('atomic') as string;
    const clients = Array.from({ length: 4 }, () => store(prefix));
    const rounds = 60;
    await Promise.all(
      clients.map(async (kv) => {
        for (let i = 0; i < rounds; i++) {
          // Read, then swap in the next value; a lost race reads again.
          for (;;) {
            const current = expectOk(await kv.get('cas')) as bigint | undefined;
            if (expectOk(await kv.compareAndSwap('cas', current, (current ?? 0n) + 1n))) break;
          }
          expectOk(await kv.increment('inc', 2n));
        }
      }),
    );
    expect(expectOk(await clients[0]?.get('cas') as never)).toBe(BigInt(clients.length * rounds));
    expect(expectOk(await clients[0]?.get('inc') as never)).toBe(BigInt(clients.length * rounds * 2));
  });

  it('applies setMany as a whole: a concurrent getMany never sees half of one', async () => {
    const prefix = server?.prefix('batch') as string;
    const [writer, reader] = [store(prefix), store(prefix)] as [Kv, Kv];
    let writing = true;
    const writes = (async () => {
      for (let i = 0; writing; i++) expectOk(await writer.setMany(['a', 'b', 'c'].map((key) => ({ key, value: i }))));
    })();
    for (let i = 0; i < 200; i++) {
      const [a, b, c] = expectOk(await reader.getMany(['a', 'b', 'c']));
      expect(b).toBe(a);
      expect(c).toBe(a);
    }
    writing = false;
    await writes;
  });

  it('reports what it cannot read as INTERNAL and a wrong type for increment as TYPE_MISMATCH', async () => {
    const prefix = server?.prefix('foreign') as string;
    const kv = store(prefix);
    await admin.sendCommand(['SET', `${prefix}k:written-by-hand`, 'hello']);
    await admin.sendCommand(['LPUSH', `${prefix}k:a-list`, 'x']);
    expectErr(await kv.get('written-by-hand'), 'INTERNAL');
    expectErr(await kv.get('a-list'), 'INTERNAL');
    expectOk(await kv.set('t', 'text'));
    expect(expectErr(await kv.increment('t'), 'TYPE_MISMATCH').message).toMatch(/is text, not an s64/);
    expectOk(await kv.set('max', 2n ** 63n - 1n));
    expect(expectErr(await kv.increment('max'), 'TYPE_MISMATCH').message).toMatch(/leaves the s64 range/);
    expect(expectOk(await kv.get('max'))).toBe(2n ** 63n - 1n);
  });

  it('keeps the exact bits of f64 values and full-range s64 values', async () => {
    const kv = store(server?.prefix('values') as string);
    const values = [-0, 0, Number.NaN, Number.MIN_VALUE, -Number.MAX_VALUE, Infinity, -(2n ** 63n), 2n ** 63n - 1n, 0n];
    for (const [i, value] of values.entries()) expectOk(await kv.set(`v${i}`, value));
    const back = expectOk(await kv.getMany(values.map((_, i) => `v${i}`)));
    for (const [i, value] of values.entries()) expect(Object.is(back[i], value)).toBe(true);
    expect(expectOk(await kv.compareAndSwap('v2', Number.NaN, 1))).toBe(true);
    expect(expectOk(await kv.compareAndSwap('v0', 0, 1))).toBe(false);
  });
});
