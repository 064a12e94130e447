import { expect } from 'vitest';
import type { Kv, KvEntry } from '@keel/core';
import { compareKeys } from '@keel/core/adapter';
import { expectErr, expectOk } from './expect-result.js';
import type { KvHarness } from './kv-harness.js';

/** Every entry under a prefix, page by page. */
export async function scanAll(kv: Kv, prefix: string, limit: number): Promise<KvEntry[]> {
  const all: KvEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = expectOk(await kv.scan({ prefix, limit, ...(cursor === undefined ? {} : { cursor }) }));
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    all.push(...page.entries);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return all;
}

export function scanTests(h: KvHarness): void {
  h.test('scan returns a prefix in UTF-8 byte order', async () => {
    const kv = await h.kv();
    // '\uffff' sorts before '😀' in UTF-8 (and in code points), though not in UTF-16 units.
    const keys = ['u:b', 'u:a', 'u:😀', 'u:\uffff', 'u:é', 'u:B', 'u:', 'v:a', 'u'];
    for (const key of keys) expectOk(await kv.set(key, key));
    const page = expectOk(await kv.scan({ prefix: 'u:' }));
    expect(page.entries.map((e) => e.key)).toEqual(['u:', 'u:B', 'u:a', 'u:b', 'u:é', 'u:\uffff', 'u:😀']);
    expect(page.entries.every((e) => e.value === e.key)).toBe(true);
    expect(page.cursor).toBeUndefined();
    expect(expectOk(await kv.scan()).entries.map((e) => e.key)).toEqual([...keys].sort(compareKeys));
  });

  h.test('scan pages with a cursor and returns each key once', async () => {
    const kv = await h.kv();
    const keys = Array.from({ length: 53 }, (_, i) => `p:${String(i).padStart(3, '0')}`);
    expectOk(await kv.setMany(keys.map((key) => ({ key, value: key }))));
    expectOk(await kv.set('q:other', 'x'));
    for (const limit of [1, 7, 53, 100]) {
      expect((await scanAll(kv, 'p:', limit)).map((e) => e.key)).toEqual(keys);
    }
    const first = expectOk(await kv.scan({ prefix: 'p:', limit: 53 }));
    expect(first.cursor).toBeUndefined();
  });

  h.test('a scan resumed after changes has no duplicates and no gaps', async () => {
    const kv = await h.kv();
    const stable = Array.from({ length: 40 }, (_, i) => `s:${String(i * 2).padStart(3, '0')}`);
    expectOk(await kv.setMany(stable.map((key) => ({ key, value: 1n }))));
    const seen: string[] = [];
    let cursor: string | undefined;
    let round = 0;
    do {
      const page = expectOk(await kv.scan({ prefix: 's:', limit: 6, ...(cursor === undefined ? {} : { cursor }) }));
      seen.push(...page.entries.map((e) => e.key));
      cursor = page.cursor;
      // Between pages: add keys on both sides of the cursor, and delete a key already returned.
      expectOk(await kv.set(`s:${String(round * 2 + 1).padStart(3, '0')}`, 2n));
      expectOk(await kv.set(`s:${String(79 - round).padStart(3, '0')}x`, 2n));
      if (seen[0]) expectOk(await kv.delete(seen[0]));
      round++;
    } while (cursor !== undefined);
    expect(new Set(seen).size).toBe(seen.length);
    for (const key of stable) expect(seen).toContain(key);
    expect([...seen].sort(compareKeys)).toEqual(seen);
  });

  h.test('scan refuses bad limits and foreign or forged cursors', async () => {
    const kv = await h.kv();
    expectOk(
      await kv.setMany([
        { key: 'a:1', value: 1n },
        { key: 'a:2', value: 2n },
        { key: 'b:1', value: 3n },
      ]),
    );
    expectErr(await kv.scan({ limit: 0 }), 'INVALID_ARGUMENT');
    expectErr(await kv.scan({ limit: 10_001 }), 'INVALID_ARGUMENT');
    expectErr(await kv.scan({ limit: 1.5 }), 'INVALID_ARGUMENT');
    const page = expectOk(await kv.scan({ prefix: 'a:', limit: 1 }));
    expect(page.cursor).toBeDefined();
    expectErr(await kv.scan({ prefix: 'b:', cursor: page.cursor as string }), 'INVALID_CURSOR');
    expectErr(await kv.scan({ prefix: 'a:', cursor: 'not-a-cursor' }), 'INVALID_CURSOR');
    expectErr(await kv.scan({ prefix: 'a:', cursor: `${page.cursor as string}!` }), 'INVALID_CURSOR');
    expect(expectOk(await kv.scan({ prefix: 'a:', cursor: page.cursor as string })).entries.map((e) => e.key)).toEqual([
      'a:2',
    ]);
  });

  h.test('scan of an empty store or prefix is one empty page', async () => {
    const kv = await h.kv();
    expect(expectOk(await kv.scan())).toEqual({ entries: [], cursor: undefined });
    expectOk(await kv.set('x', 1n));
    expect(expectOk(await kv.scan({ prefix: 'y' }))).toEqual({ entries: [], cursor: undefined });
  });
}
