import { createMemoryKv } from '@keel/adapter-kv-memory';
import { ManualClock, expectOk } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { allow, listSessions, rename, runDemo } from '../src/demo.js';

describe('hello example', () => {
  it('rate-limits per window and lets the next window through', async () => {
    const clock = new ManualClock();
    const kv = createMemoryKv({ clock });
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await allow(kv, 'u', 3, 1000));
    expect(first).toEqual([true, true, true, false]);
    clock.advance(1001);
    expect(await allow(kv, 'u', 3, 1000)).toBe(true);
    await kv.close();
  });

  it('renames with compare-and-swap and lists sessions page by page', async () => {
    const kv = createMemoryKv();
    expect(await rename(kv, '9', 'x')).toBe('missing');
    expectOk(await kv.set('profile:9', JSON.stringify({ name: 'a', version: 1 })));
    expect(await rename(kv, '9', 'b')).toBe('renamed');
    expect(JSON.parse(expectOk(await kv.get('profile:9')) as string)).toEqual({ name: 'b', version: 2 });
    expectOk(await kv.setMany(['s3', 's1', 's2'].map((id) => ({ key: `session:${id}`, value: 'u' }))));
    expect(await listSessions(kv, 2)).toEqual([['session:s1', 'session:s2'], ['session:s3']]);
    await kv.close();
  });

  it('prints the tour', async () => {
    const kv = createMemoryKv();
    const lines: string[] = [];
    await runDemo(kv, (line) => lines.push(line));
    expect(lines[0]).toBe('rate limit, 7 calls with a limit of 5: ok ok ok ok ok limited limited');
    expect(lines[3]).toMatch(/^a bad call is a typed error, not a crash: INVALID_ARGUMENT/);
    await kv.close();
  });
});
