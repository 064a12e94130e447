import { buffer } from 'node:stream/consumers';
import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import { content, put, type BlobstoreHarness } from './blobstore-harness.js';

export function basicTests(h: BlobstoreHarness): void {
  h.test('declares the capabilities it was registered with', async () => {
    const store = await h.instance();
    const { maxObjectBytes, ...flags } = store.capabilities;
    expect(flags).toEqual({ ...h.options.capabilities });
    expect(Number.isSafeInteger(maxObjectBytes) && maxObjectBytes >= 0).toBe(true);
  });

  h.test('creates, finds and deletes containers', async () => {
    const store = await h.instance();
    expect(expectOk(await store.containerExists('files'))).toBe(false);
    expect(expectOk(await store.createContainer('files'))).toBe(true);
    expect(expectOk(await store.createContainer('files'))).toBe(false);
    expect(expectOk(await store.containerExists('files'))).toBe(true);
    expectOk(await store.write('files', 'a/b', 'content'));
    expect(expectOk(await store.deleteContainer('files'))).toBe(true);
    expect(expectOk(await store.containerExists('files'))).toBe(false);
    expect(expectOk(await store.deleteContainer('files'))).toBe(false);
  });

  h.test('a missing container is NOT_FOUND for read, write and list; absent for stat, exists and delete', async () => {
    const store = await h.instance();
    expectErr(await store.read('nowhere', 'k'), 'NOT_FOUND');
    expectErr(await store.write('nowhere', 'k', 'v'), 'NOT_FOUND');
    expectErr(await store.list('nowhere'), 'NOT_FOUND');
    expect(expectOk(await store.stat('nowhere', 'k'))).toBeUndefined();
    expect(expectOk(await store.exists('nowhere', 'k'))).toBe(false);
    expect(expectOk(await store.delete('nowhere', 'k'))).toBe(false);
  });

  h.test('writes and reads an object with its metadata', async () => {
    const store = await h.store();
    const written = await put(store, 'reports/2026.csv', 'id,total\n1,42\n', {
      contentType: 'text/csv; charset=utf-8',
    });
    expect(written).toMatchObject({
      container: 'box',
      key: 'reports/2026.csv',
      size: 14,
      contentType: 'text/csv; charset=utf-8',
      expiresAtMs: undefined,
    });
    expect(typeof written.etag).toBe('string');
    expect(written.etag.length).toBeGreaterThan(0);
    expect(Number.isSafeInteger(written.createdAtMs)).toBe(true);
    expect(expectOk(await store.stat('box', 'reports/2026.csv'))).toEqual(written);
    const object = expectOk(await store.read('box', 'reports/2026.csv'));
    expect(object.metadata).toEqual(written);
    expect(await content(store, 'reports/2026.csv')).toBe('id,total\n1,42\n');
    expect(expectOk(await store.exists('box', 'reports/2026.csv'))).toBe(true);
  });

  h.test('keeps bytes exactly, including an empty object', async () => {
    const store = await h.store();
    const bytes = new Uint8Array(256).map((_, i) => i);
    expect((await put(store, 'bytes', bytes)).size).toBe(256);
    expect([...(await buffer(expectOk(await store.read('box', 'bytes')).body))]).toEqual([...bytes]);
    expect((await put(store, 'empty', new Uint8Array())).size).toBe(0);
    expect((await buffer(expectOk(await store.read('box', 'empty')).body)).byteLength).toBe(0);
  });

  h.test('a missing object: stat undefined, exists false, read NOT_FOUND, delete false', async () => {
    const store = await h.store();
    expect(expectOk(await store.stat('box', 'missing'))).toBeUndefined();
    expect(expectOk(await store.exists('box', 'missing'))).toBe(false);
    expectErr(await store.read('box', 'missing'), 'NOT_FOUND');
    expect(expectOk(await store.delete('box', 'missing'))).toBe(false);
  });

  h.test('overwriting replaces content, size and etag; equal content keeps the etag', async () => {
    const store = await h.store();
    const first = await put(store, 'k', 'first version');
    const second = await put(store, 'k', 'second');
    expect(second.size).toBe(6);
    expect(second.etag).not.toBe(first.etag);
    expect(await content(store, 'k')).toBe('second');
    expect((await put(store, 'k', 'second')).etag).toBe(second.etag);
    expect(expectOk(await store.stat('box', 'k'))?.contentType).toBe('application/octet-stream');
  });

  h.test('delete removes the object', async () => {
    const store = await h.store();
    await put(store, 'k', 'v');
    expect(expectOk(await store.delete('box', 'k'))).toBe(true);
    expect(expectOk(await store.exists('box', 'k'))).toBe(false);
    expect(expectOk(await store.delete('box', 'k'))).toBe(false);
  });

  h.test('copy duplicates content and content type, within and across containers', async () => {
    const store = await h.store();
    expectOk(await store.createContainer('other'));
    const source = await put(store, 'src', 'copied bytes', { contentType: 'text/plain' });
    const same = expectOk(await store.copy('box', 'src', 'box', 'dst'));
    expect(same).toMatchObject({ container: 'box', key: 'dst', size: source.size, contentType: 'text/plain' });
    const across = expectOk(await store.copy('box', 'src', 'other', 'nested/dst'));
    expect(across.container).toBe('other');
    expect(await content(store, 'nested/dst', 'other')).toBe('copied bytes');
    expect(await content(store, 'src')).toBe('copied bytes');
    expectErr(await store.copy('box', 'missing', 'box', 'x'), 'NOT_FOUND');
    expect(expectOk(await store.exists('box', 'x'))).toBe(false);
  });
}
