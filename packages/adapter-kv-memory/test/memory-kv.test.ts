import { KeelOptionsError } from '@keel/core/adapter';
import { ManualClock, expectOk } from '@keel/testing';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMemoryKv } from '../src/index.js';

describe('createMemoryKv', () => {
  it('reclaims the memory of expired keys in the background', async () => {
    const clock = new ManualClock();
    const kv = createMemoryKv({ clock, sweepIntervalMs: 5 });
    for (let i = 0; i < 1000; i++) expectOk(await kv.set(`k${i}`, BigInt(i), { ttlMs: i < 900 ? 100 : 60_000 }));
    expect((await kv.health()).detail).toEqual({ keys: 1000 });
    clock.advance(101);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Nothing read the expired keys: only the sweep can have removed them.
    expect((await kv.health()).detail).toEqual({ keys: 100 });
    await kv.close();
  });

  it('keeps a key whose expiry was extended after the first sweep entry', async () => {
    const clock = new ManualClock();
    const kv = createMemoryKv({ clock, sweepIntervalMs: 5 });
    expectOk(await kv.set('k', 'v', { ttlMs: 10 }));
    expectOk(await kv.expire('k', 10_000));
    clock.advance(20);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(expectOk(await kv.get('k'))).toBe('v');
    await kv.close();
  });

  it('refuses bad options naming the field', () => {
    expect(() => createMemoryKv({ sweepIntervalMs: 0 })).toThrow(KeelOptionsError);
    expect(() => createMemoryKv({ sweepIntervalMs: 'often' as unknown as number })).toThrow(
      /sweepIntervalMs: expected an integer/,
    );
    expect(() => createMemoryKv({ limits: { maxKeyBytes: -1 } })).toThrow(/limits\.maxKeyBytes/);
    expect(() => createMemoryKv({ sweepIntervallMs: 5 } as never)).toThrow(/did you mean 'sweepIntervalMs'/);
  });

  it('applies configured limits', async () => {
    const kv = createMemoryKv({ limits: { maxKeyBytes: 4, maxValueBytes: 3 } });
    expect((await kv.set('12345', 'x'))._unsafeUnwrapErr().code).toBe('TOO_LARGE');
    expect((await kv.set('k', 'abcd'))._unsafeUnwrapErr().code).toBe('TOO_LARGE');
    expectOk(await kv.set('k', 'abc'));
    await kv.close();
  });

  it('does not keep the process alive', () => {
    // A child process that opens a store with a fast sweep and never closes it must still exit.
    const script = `
      import { createMemoryKv } from '@keel/adapter-kv-memory';
      const kv = createMemoryKv({ sweepIntervalMs: 5 });
      await kv.set('k', 'v', { ttlMs: 60000 });
      console.log('written');`;
    const child = spawnSync(
      process.execPath,
      ['--conditions=keel-source', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        timeout: 20_000,
        encoding: 'utf8',
      },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('written');
    expect(child.status).toBe(0);
  });
});
