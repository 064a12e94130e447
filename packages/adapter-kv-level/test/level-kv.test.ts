import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeelConfigError, createKeel, type Kv } from '@keel/core';
import { KeelOptionsError } from '@keel/core/adapter';
import { ManualClock, expectErr, expectOk } from '@keel/testing';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { createLevelKv, levelKvAdapter } from '../src/index.js';
import { expectIndexMatchesValues } from './disk-checks.js';
import { tempFolders } from './temp-folders.js';

const temp = tempFolders('adapter');
let count = 0;
const open: Kv[] = [];
function store(options: { location?: string; clock?: ManualClock; sweepIntervalMs?: number; sync?: boolean } = {}): Kv {
  const kv = createLevelKv({ location: temp.folder(`s${count++}`), ...options });
  open.push(kv);
  return kv;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((kv) => kv.close()));
});

/** The folder's raw contents, read with the store closed: user keys, and how many index entries. */
async function onDisk(location: string): Promise<{ keys: string[]; indexEntries: number }> {
  const db = new ClassicLevel<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    const all = await db.keys().all();
    return {
      keys: all.filter((k) => (k[0] as number) < 0xfe).map((k) => k.toString('utf8')),
      indexEntries: all.filter((k) => k[0] === 0xff).length,
    };
  } finally {
    await db.close();
  }
}

describe('createLevelKv', () => {
  it('refuses bad options naming the field', () => {
    expect(() => createLevelKv(undefined as never)).toThrow(/location: is required/);
    expect(() => createLevelKv({ location: '' })).toThrow(KeelOptionsError);
    expect(() => createLevelKv({ location: '  ' })).toThrow(/location: expected a folder path, got " {2}"/);
    expect(() => createLevelKv({ location: 42 as never })).toThrow(/location: expected a folder path, got 42/);
    expect(() => createLevelKv({ location: 'x', sync: 'yes' as never })).toThrow(/sync: expected true or false/);
    expect(() => createLevelKv({ location: 'x', sweepIntervalMs: 0 })).toThrow(/sweepIntervalMs: expected an integer/);
    expect(() => createLevelKv({ location: 'x', limits: { maxKeyBytes: -1 } })).toThrow(/limits\.maxKeyBytes/);
    expect(() => createLevelKv({ location: 'x', clock: {} as never })).toThrow(/clock: expected a clock/);
    expect(() => createLevelKv({ location: 'x', sink: true } as never)).toThrow(/did you mean 'sync'/);
  });

  it('reports every problem of one options object, each with its path', () => {
    const options = {
      location: '',
      sync: 'yes',
      sweepIntervalMs: 0,
      limits: { maxKeyBytes: -1, maxValueByte: 3 },
      clock: {},
      sink: true,
    };
    let thrown: unknown;
    try {
      createLevelKv(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeelOptionsError);
    expect((thrown as KeelOptionsError).where).toBe('createLevelKv');
    expect((thrown as KeelOptionsError).issues).toEqual([
      { path: 'location', problem: 'expected a folder path, got ""' },
      { path: 'sync', problem: 'expected true or false, got "yes"' },
      { path: 'sweepIntervalMs', problem: 'expected an integer from 1 to 2147483647, got 0' },
      { path: 'limits.maxKeyBytes', problem: 'expected an integer from 1 to 2147483647, got -1' },
      {
        path: 'limits.maxValueByte',
        problem: "is not an option; did you mean 'maxValueBytes'? (known: maxKeyBytes, maxValueBytes, maxBatchSize)",
      },
      { path: 'clock', problem: 'expected a clock ({ now(): number }), got an object' },
      {
        path: 'sink',
        problem:
          "is not an option; did you mean 'sync'? (known: location, sync, createIfMissing, sweepIntervalMs, limits, clock)",
      },
    ]);
  });

  it('is chosen by config once registered, its options checked with their full paths', async () => {
    const location = temp.folder('container');
    const keel = expectOk(
      await createKeel({ kv: { adapter: 'level', options: { location } } }, { adapters: [levelKvAdapter], env: false }),
    );
    try {
      expect(keel.kv.adapter).toBe('level');
      expectOk(await keel.kv.set('k', 1n));
      expect((await keel.health())[0]?.detail).toEqual({ location });
    } finally {
      await keel.close();
    }
    const bad = createKeel(
      { kv: { adapter: 'level', options: { location: '', sink: true } as never } },
      { adapters: [levelKvAdapter], env: false },
    );
    await expect(bad).rejects.toThrow(KeelConfigError);
    await expect(bad).rejects.toMatchObject({
      issues: [
        'kv.options.location: expected a folder path, got ""',
        expect.stringMatching(/^kv\.options\.sink: is not an option; did you mean 'sync'\?/),
      ],
    });
  });

  it('keeps the store in the folder it was given, created with its parents', async () => {
    const location = join(temp.root, 'deep', 'er', 'kv');
    const kv = store({ location });
    expectOk(await kv.set('k', 'v'));
    expect(existsSync(join(location, 'CURRENT'))).toBe(true);
    expect((await kv.health()).detail).toEqual({ location });
  });

  it('resolves a relative location against the working directory', async () => {
    const location = temp.folder('relative');
    const kv = store({ location: relative(process.cwd(), location) });
    expectOk(await kv.set('k', 'v'));
    expect((await kv.health()).detail).toEqual({ location });
  });

  it('reports a missing folder as UNAVAILABLE when it may not create it', async () => {
    const location = join(temp.root, 'missing');
    const kv = createLevelKv({ location, createIfMissing: false });
    const error = expectErr(await kv.get('k'), 'UNAVAILABLE');
    expect(error.message).toContain(`'${location}' does not exist`);
    await kv.close();
  });

  it('refuses a LevelDB folder that is not a Keel store, and one in an unknown format', async () => {
    const foreign = temp.folder('foreign');
    const db = new ClassicLevel(foreign);
    await db.put('their-key', 'their value');
    await db.close();
    const kv = createLevelKv({ location: foreign });
    expect(expectErr(await kv.open(), 'UNAVAILABLE').message).toMatch(/not a Keel kv store/);
    await kv.close();

    const future = temp.folder('future');
    const first = createLevelKv({ location: future });
    expectOk(await first.set('k', 'v'));
    await first.close();
    const raw = new ClassicLevel<Buffer, Buffer>(future, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await raw.put(Buffer.from('\u00fekeel:kv:format', 'latin1'), Buffer.from([2]));
    await raw.close();
    const again = createLevelKv({ location: future });
    expect(expectErr(await again.get('k'), 'UNAVAILABLE').message).toMatch(/format 2; this version reads format 1/);
    await again.close();
  });

  it('reports an unreadable stored value as INTERNAL naming the key, and keeps going', async () => {
    const location = temp.folder('corrupt');
    const kv = createLevelKv({ location });
    expectOk(
      await kv.setMany([
        { key: 'good', value: 1n },
        { key: 'bad', value: 2n },
      ]),
    );
    await kv.close();
    const raw = new ClassicLevel<string, Buffer>(location, { valueEncoding: 'buffer' });
    await raw.put('bad', Buffer.from([1, 3, 0xff])); // an s64 of one byte
    await raw.close();
    const again = store({ location });
    const error = expectErr(await again.get('bad'), 'INTERNAL');
    expect(error.message).toContain("'bad'");
    expect(error.key).toBe('bad');
    expect(expectOk(await again.get('good'))).toBe(1n);
  });

  it('refuses keys, prefixes and text with lone surrogates, which UTF-8 cannot hold', async () => {
    const kv = store();
    // Stored as UTF-8, 'a\ud800' would become 'a\ufffd' and overwrite it.
    expectOk(await kv.set('a\ufffd', 'replacement character'));
    expectErr(await kv.set('a\ud800', 'x'), 'INVALID_ARGUMENT');
    expectErr(await kv.get('a\udc00'), 'INVALID_ARGUMENT');
    expectErr(await kv.getMany(['a', 'a\ud800']), 'INVALID_ARGUMENT');
    expectErr(await kv.scan({ prefix: '\ud800' }), 'INVALID_ARGUMENT');
    expectErr(await kv.set('k', 'text \ud800'), 'INVALID_ARGUMENT');
    expectErr(
      await kv.setMany([
        { key: 'ok', value: 1n },
        { key: 'k', value: '\udfff' },
      ]),
      'INVALID_ARGUMENT',
    );
    expect(expectOk(await kv.exists('ok'))).toBe(false);
    expect(expectOk(await kv.get('a\ufffd'))).toBe('replacement character');
    // Well-formed astral characters are fine.
    expectOk(await kv.set('😀', '😀'));
    expect(expectOk(await kv.get('😀'))).toBe('😀');
  });

  it('deletes expired keys and their index entries from disk in the background', async () => {
    const clock = new ManualClock();
    const location = temp.folder('sweep');
    const kv = store({ location, clock, sweepIntervalMs: 5 });
    expectOk(
      await kv.setMany(
        Array.from({ length: 900 }, (_, i) => ({ key: `short:${i}`, value: BigInt(i) })),
        { ttlMs: 100 },
      ),
    );
    expectOk(
      await kv.setMany(
        Array.from({ length: 100 }, (_, i) => ({ key: `long:${i}`, value: BigInt(i) })),
        { ttlMs: 60_000 },
      ),
    );
    expectOk(await kv.set('kept', 'forever'));
    clock.advance(101);
    // Nothing reads the expired keys: only the sweep can remove them.
    await new Promise((r) => setTimeout(r, 100));
    await kv.close();
    const disk = await onDisk(location);
    expect(disk.keys.length).toBe(101);
    expect(disk.keys.filter((k) => k.startsWith('short:'))).toEqual([]);
    expect(disk.indexEntries).toBe(100);
    expect(await expectIndexMatchesValues(location)).toBe(100);
  });

  it('keeps a key whose expiry was moved later before the old time came', async () => {
    const clock = new ManualClock();
    const location = temp.folder('moved');
    const kv = store({ location, clock, sweepIntervalMs: 5 });
    expectOk(await kv.set('k', 'v', { ttlMs: 10 }));
    expectOk(await kv.expire('k', 10_000));
    expectOk(await kv.set('n', 1n, { ttlMs: 10 }));
    expectOk(await kv.expire('n', undefined));
    clock.advance(20);
    await new Promise((r) => setTimeout(r, 30));
    expect(expectOk(await kv.getMany(['k', 'n']))).toEqual(['v', 1n]);
    await kv.close();
    expect(await expectIndexMatchesValues(location)).toBe(1);
  });

  it('keeps expiry and values across a reopen', async () => {
    const clock = new ManualClock();
    const location = temp.folder('reopen');
    const kv = createLevelKv({ location, clock });
    expectOk(await kv.set('soon', 'x', { ttlMs: 1000 }));
    expectOk(await kv.set('f', -0));
    await kv.close();
    clock.advance(400);
    const again = store({ location, clock });
    expect(expectOk(await again.ttl('soon'))).toEqual({ kind: 'after-ms', ms: 600 });
    expect(Object.is(expectOk(await again.get('f')), -0)).toBe(true);
    clock.advance(600);
    expect(expectOk(await again.get('soon'))).toBeUndefined();
  });

  it('writes with sync: true as well', async () => {
    const kv = store({ sync: true });
    expectOk(await kv.setMany([{ key: 'a', value: 1n }], { ttlMs: 1000 }));
    expect(expectOk(await kv.increment('a'))).toBe(2n);
    expect(expectOk(await kv.delete('a'))).toBe(true);
  });

  it('does not keep the process alive', () => {
    // A child that opens a store with a fast sweep and never closes it must still exit.
    const script = `
      import { createLevelKv } from '@keel/adapter-kv-level';
      const kv = createLevelKv({ location: process.argv[1], sweepIntervalMs: 5 });
      await kv.set('k', 'v', { ttlMs: 60000 });
      console.log('written');`;
    const child = spawnSync(
      process.execPath,
      ['--conditions=keel-source', '--import', 'tsx', '--input-type=module', '-e', script, temp.folder('alive')],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 30_000, encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('written');
    expect(child.status).toBe(0);
  });
});
