import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import { content, put, type BlobstoreHarness } from './blobstore-harness.js';

export function lifecycleTests(h: BlobstoreHarness): void {
  h.test('every call after close() is NOT_OPEN; close is idempotent', async () => {
    const store = await h.store();
    await put(store, 'k', 'v');
    await store.close();
    await store.close();
    expectErr(await store.read('box', 'k'), 'NOT_OPEN');
    expectErr(await store.write('box', 'k', 'v'), 'NOT_OPEN');
    expectErr(await store.list('box'), 'NOT_OPEN');
    expectErr(await store.createContainer('more'), 'NOT_OPEN');
    expect((await store.health()).ok).toBe(false);
  });

  h.test('health is ok on an open store', async () => {
    const store = await h.store();
    const report = await store.health();
    expect(report.ok, report.error).toBe(true);
    expect(report.adapter).toBe(store.adapter);
  });

  h.test(
    'objects survive closing and reopening the store',
    async () => {
      const { instance: store, context } = await h.create();
      expectOk(await store.createContainer('box'));
      const meta = await put(store, 'kept/file.txt', 'still here', { contentType: 'text/plain' });
      await store.close();
      const again = await h.reopen(context);
      expect(expectOk(await again.stat('box', 'kept/file.txt'))).toEqual(meta);
      expect(await content(again, 'kept/file.txt')).toBe('still here');
    },
    'persistent',
  );
}
