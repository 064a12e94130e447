import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { blobstoreBadKeys, blobstoreOddKeys, expectErr, expectOk, ManualClock } from '@keel/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Blobstore } from '@keel/core';
import { createFsBlobstore } from '../src/index.js';
import { keyLocation } from '../src/key-paths.js';
import { tempFolders } from './temp-folders.js';

const temp = tempFolders('keys');
const open: Blobstore[] = [];
afterEach(async () => Promise.all(open.splice(0).map((s) => s.close())));

async function store(name: string): Promise<Blobstore> {
  const s = createFsBlobstore({ root: join(temp.folder(name), 'store'), sync: false, clock: new ManualClock() });
  open.push(s);
  expectOk(await s.createContainer('box'));
  return s;
}

/** Every file and folder under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((p) => p.split(sep).join('/'));
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function listAll(s: Blobstore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = expectOk(await s.list('box', { prefix, limit: 3, ...(cursor ? { cursor } : {}) }));
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.cursor;
  } while (cursor);
  return keys;
}

describe('a key is never a path', () => {
  it('refuses escapes and writes nothing outside the store, nor anything at all', async () => {
    const s = await store('escapes');
    for (const key of blobstoreBadKeys) expectErr(await s.write('box', key, 'x'), 'INVALID_KEY');
    // The store's parent holds the store and nothing else: no `escape`, no `passwd`.
    expect(readdirSync(temp.folder('escapes'))).toEqual(['store']);
    expect(tree(join(temp.folder('escapes'), 'store', 'box'))).toEqual([]);
  });

  it('stores odd keys under hex names only, inside the container', async () => {
    const s = await store('odd');
    for (const key of blobstoreOddKeys) expectOk(await s.write('box', key, key));
    const box = join(temp.folder('odd'), 'store', 'box');
    for (const path of tree(box))
      expect(path, path).toMatch(/^([0-9a-f]{120}\/)*[0-9a-f]+(\.meta|\.[0-9a-f]{24}\.blob)?$/);
    expect(readdirSync(temp.folder('odd'))).toEqual(['store']);
  });

  it('maps any string to a location inside the container (property)', () => {
    const container = join(temp.root, 'c');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 600 }), (key) => {
        const at = keyLocation(container, key);
        const inside = relative(container, join(at.dir, at.stem));
        expect(inside.startsWith('..') || inside.startsWith(sep)).toBe(false);
        expect(`${at.stem}`).toMatch(/^[0-9a-f]*$/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('long keys across folder segments', () => {
  it('list in byte order when keys end at, before and after a 60-byte segment boundary', async () => {
    const s = await store('segments');
    const base = 'k'.repeat(59);
    const keys = [
      base,
      `${base}a`,
      `${base}ab`,
      `${base}a${'z'.repeat(60)}`,
      `${base}b`,
      `${base}a${'z'.repeat(59)}`,
      `${base}\u00e9x`,
    ];
    for (const key of keys) expectOk(await s.write('box', key, key));
    expect(await listAll(s)).toEqual([...keys].sort(byBytes));
    expect(await listAll(s, `${base}a`)).toEqual(keys.filter((k) => k.startsWith(`${base}a`)).sort(byBytes));
  });

  it('list equals the sorted keys for random long keys with shared prefixes (property)', async () => {
    const s = await store('segments-property');
    const part = fc.constantFrom('a', 'b', 'é', 'x'.repeat(59), 'y'.repeat(60), '/');
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc
            .array(part, { minLength: 1, maxLength: 5 })
            .map((p) => p.join(''))
            .filter((k) => !k.startsWith('/') && !k.includes('//')),
          { maxLength: 8 },
        ),
        async (keys) => {
          for (const o of expectOk(await s.list('box', { limit: 1000 })).objects)
            expectOk(await s.delete('box', o.key));
          for (const key of keys) expectOk(await s.write('box', key, 'x'));
          expect(await listAll(s)).toEqual([...keys].sort(byBytes));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('the folder', () => {
  it('refuses a folder of another format, and a missing one without createIfMissing', async () => {
    const missing = createFsBlobstore({ root: temp.folder('missing'), createIfMissing: false });
    open.push(missing);
    expectErr(await missing.open(), 'CONNECTION');
    const s = await store('format');
    await s.close();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(temp.folder('format'), 'store', '.keel-blobstore.json'), '{"format":2}');
    const again = createFsBlobstore({ root: join(temp.folder('format'), 'store') });
    open.push(again);
    expect(expectErr(await again.open(), 'CONNECTION').message).toContain('format 2');
  });

  it('leaves no temp files after writes, overwrites, failed writes and deletes', async () => {
    const s = await store('temps');
    expectOk(await s.write('box', 'k', 'one'));
    expectOk(await s.write('box', 'k', 'two'));
    expectErr(await s.write('box', 'k', 'x', { ifAbsent: true }), 'PRECONDITION');
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10);
      throw new Error('dropped');
    }
    expectErr(await s.write('box', 'j', broken()), 'INVALID_ARGUMENT');
    expectOk(await s.copy('box', 'k', 'box', 'c'));
    expectOk(await s.delete('box', 'c'));
    const root = join(temp.folder('temps'), 'store');
    expect(readdirSync(join(root, '.tmp'))).toEqual([]);
    // One metadata file and one blob for the one object left.
    const files = tree(join(root, 'box')).filter((p) => statSync(join(root, 'box', p)).isFile());
    expect(files.sort()).toEqual([expect.stringMatching(/^6b\.[0-9a-f]{24}\.blob$/), '6b.meta']);
  });
});
