import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import { content, listAll, put, type BlobstoreHarness } from './blobstore-harness.js';

/** Keys that must be refused before the store is touched: paths, escapes, controls. */
export const badKeys: readonly string[] = [
  '',
  '..',
  '.',
  '../escape',
  'a/../../escape',
  'a/./b',
  'a/..',
  '/etc/passwd',
  '//server/share',
  'a\\..\\b',
  'C:\\Windows',
  'nul\u0000byte',
  'line\nbreak',
  'tab\there',
  'del\u007f',
  'c1\u0085',
  'lone \ud800 surrogate',
];

/** Keys that look dangerous but are plain names: each must round-trip and stay a name. */
export const oddKeys: readonly string[] = [
  '...',
  '..a',
  'a..',
  'a/.../b',
  '.hidden',
  'a/.b/c',
  'trailing/',
  'a//b',
  '%2e%2e/%2fetc',
  '~',
  'CON',
  'aux.txt',
  'space and ümlaut/😀.txt',
  'x'.repeat(300),
  `${'deep/'.repeat(150)}end`,
  '*?<>|:"',
];

export function keyTests(h: BlobstoreHarness): void {
  h.test('refuses path-like and control-character keys with INVALID_KEY and writes nothing', async () => {
    const store = await h.store();
    for (const key of badKeys) {
      const error = expectErr(await store.write('box', key, 'x'), 'INVALID_KEY');
      expect(error.message, JSON.stringify(key)).toMatch(/key/);
      expectErr(await store.read('box', key), 'INVALID_KEY');
      expectErr(await store.stat('box', key), 'INVALID_KEY');
      expectErr(await store.delete('box', key), 'INVALID_KEY');
      expectErr(await store.copy('box', 'k', 'box', key), 'INVALID_KEY');
    }
    expect(await listAll(store)).toEqual([]);
  });

  h.test('a key over maxKeyBytes is TOO_LARGE; one at the limit works', async () => {
    const store = await h.store();
    expectErr(await store.write('box', 'é'.repeat(513), 'x'), 'TOO_LARGE');
    await put(store, 'é'.repeat(512), 'x');
    expect(await listAll(store)).toEqual(['é'.repeat(512)]);
  });

  h.test('refuses bad container names with INVALID_KEY', async () => {
    const store = await h.instance();
    for (const name of [
      '',
      'ab',
      'UPPER',
      '-dash',
      'dash-',
      'dots.not.allowed',
      '../up',
      'a/b',
      'x'.repeat(64),
      'has space',
    ]) {
      expectErr(await store.createContainer(name), 'INVALID_KEY');
      expectErr(await store.write(name, 'k', 'x'), 'INVALID_KEY');
    }
    expect(expectOk(await store.createContainer('a-1'))).toBe(true);
  });

  h.test('odd but valid keys round-trip and list as themselves', async () => {
    const store = await h.store();
    for (const key of oddKeys) await put(store, key, `content of ${key}`);
    for (const key of oddKeys) expect(await content(store, key), JSON.stringify(key)).toBe(`content of ${key}`);
    const sorted = [...oddKeys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(await listAll(store)).toEqual(sorted);
    expect(await listAll(store, 'a/')).toEqual(sorted.filter((k) => k.startsWith('a/')));
  });

  h.test('rejects bad options with INVALID_ARGUMENT', async () => {
    const store = await h.store();
    expectErr(await store.write('box', 'k', 'x', { contentType: 'not a type' }), 'INVALID_ARGUMENT');
    expectErr(await store.write('box', 'k', 'x', { contentType: 'text/plain\r\nX-Evil: 1' }), 'INVALID_ARGUMENT');
    expectErr(await store.write('box', 'k', 'x', { ttlMs: 0 }), 'INVALID_ARGUMENT');
    expect(() => store.write('box', 'k', 42 as never)).toThrow(TypeError);
    expect(() => store.read('box', 7 as never)).toThrow(TypeError);
    expect(expectOk(await store.exists('box', 'k'))).toBe(false);
  });
}
