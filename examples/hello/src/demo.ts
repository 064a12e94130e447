import type { Kv } from '@keel/core';

/** Allows `limit` calls per `windowMs` per user: an atomic counter that expires with its window. */
export async function allow(kv: Kv, user: string, limit: number, windowMs: number): Promise<boolean> {
  const key = `rate:${user}`;
  const count = await kv.increment(key);
  if (count.isErr()) return false;
  if (count.value === 1n) await kv.expire(key, windowMs);
  return count.value <= BigInt(limit);
}

/** Renames a profile only if nobody changed it since it was read: compare-and-swap. */
export async function rename(kv: Kv, id: string, name: string): Promise<'renamed' | 'conflict' | 'missing'> {
  const key = `profile:${id}`;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await kv.get(key);
    if (current.isErr() || typeof current.value !== 'string') return 'missing';
    const profile = JSON.parse(current.value) as { name: string; version: number };
    const next = JSON.stringify({ name, version: profile.version + 1 });
    const swapped = await kv.compareAndSwap(key, current.value, next);
    if (swapped.isOk() && swapped.value) return 'renamed';
  }
  return 'conflict';
}

/** Every session key, page by page, the way an admin page would list them. */
export async function listSessions(kv: Kv, pageSize: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.scan({ prefix: 'session:', limit: pageSize, ...(cursor ? { cursor } : {}) });
    if (page.isErr()) throw page.error;
    pages.push(page.value.entries.map((e) => e.key));
    cursor = page.value.cursor;
  } while (cursor);
  return pages;
}

/** The tour the example prints: each step uses one part of the kv contract. */
export async function runDemo(kv: Kv, log: (line: string) => void): Promise<void> {
  const decisions = [];
  for (let i = 0; i < 7; i++) decisions.push((await allow(kv, 'ada', 5, 60_000)) ? 'ok' : 'limited');
  log(`rate limit, 7 calls with a limit of 5: ${decisions.join(' ')}`);

  await kv.set('profile:1', JSON.stringify({ name: 'Ada', version: 1 }));
  log(`rename profile 1: ${await rename(kv, '1', 'Ada Lovelace')} → ${(await kv.get('profile:1'))._unsafeUnwrap()}`);

  await kv.setMany(
    ['c3', 'a1', 'b2', 'd4', 'e5'].map((id) => ({ key: `session:${id}`, value: 'user-1' })),
    { ttlMs: 30 * 60_000 },
  );
  log(`sessions in pages of 2: ${JSON.stringify(await listSessions(kv, 2))}`);

  const bad = await kv.set('', 'empty keys are refused');
  if (bad.isErr()) log(`a bad call is a typed error, not a crash: ${bad.error.code} — ${bad.error.message}`);
}
