import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import { listAll, put, type BlobstoreHarness } from './blobstore-harness.js';

export function listTests(h: BlobstoreHarness): void {
  h.test('lists in UTF-8 byte order with metadata', async () => {
    const store = await h.store();
    const keys = ['b', 'a/2', 'a/10', 'a/1', 'é', 'z', 'Z', '😀', '\uffff', 'a-'];
    for (const key of keys) await put(store, key, key);
    const page = expectOk(await store.list('box', { limit: 1000 }));
    const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(page.objects.map((o) => o.key)).toEqual(sorted);
    expect(page.cursor).toBeUndefined();
    const first = page.objects.find((o) => o.key === 'é');
    expect(first).toMatchObject({ container: 'box', size: 2 });
  });

  h.test('lists by prefix and pages with cursors, no key twice and none missed', async () => {
    const store = await h.store();
    const keys = Array.from({ length: 23 }, (_, i) => `logs/${String(i).padStart(3, '0')}`);
    for (const key of keys) await put(store, key, 'x');
    await put(store, 'logsx', 'x');
    await put(store, 'other', 'x');
    for (const limit of [1, 5, 23, 100]) expect(await listAll(store, 'logs/', limit)).toEqual(keys);
    expect(await listAll(store, 'logs', 7)).toEqual([...keys, 'logsx']);
    expect(await listAll(store, 'nothing')).toEqual([]);
  });

  h.test('a cursor resumes strictly after its key even when that key is deleted meanwhile', async () => {
    const store = await h.store();
    for (const key of ['a', 'b', 'c', 'd']) await put(store, key, 'x');
    const first = expectOk(await store.list('box', { limit: 2 }));
    expect(first.objects.map((o) => o.key)).toEqual(['a', 'b']);
    expectOk(await store.delete('box', 'b'));
    await put(store, 'bb', 'x');
    const second = expectOk(await store.list('box', { limit: 10, cursor: first.cursor as string }));
    expect(second.objects.map((o) => o.key)).toEqual(['bb', 'c', 'd']);
    expect(second.cursor).toBeUndefined();
  });

  h.test("rejects a bad cursor, another prefix's cursor and a bad limit", async () => {
    const store = await h.store();
    for (const key of ['p/1', 'p/2', 'q/1']) await put(store, key, 'x');
    const page = expectOk(await store.list('box', { prefix: 'p/', limit: 1 }));
    expectErr(await store.list('box', { prefix: 'q/', cursor: page.cursor as string }), 'INVALID_CURSOR');
    expectErr(await store.list('box', { cursor: 'garbage' }), 'INVALID_CURSOR');
    expectErr(await store.list('box', { limit: 0 }), 'INVALID_ARGUMENT');
    expectErr(await store.list('box', { limit: 1001 }), 'INVALID_ARGUMENT');
  });
}
