import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import { content, listAll, put, type BlobstoreHarness } from './blobstore-harness.js';

export function conditionTests(h: BlobstoreHarness): void {
  h.test('a read with ifMatch reads only that version', async () => {
    const store = await h.store();
    const v1 = await put(store, 'k', 'one');
    expectOk(await store.read('box', 'k', { ifMatch: v1.etag })).body.destroy();
    await put(store, 'k', 'two');
    expectErr(await store.read('box', 'k', { ifMatch: v1.etag }), 'PRECONDITION');
  });

  h.test(
    'ifAbsent writes only a new key; ifMatch only over that version',
    async () => {
      const store = await h.store();
      const v1 = await put(store, 'k', 'one', { ifAbsent: true });
      expectErr(await store.write('box', 'k', 'again', { ifAbsent: true }), 'PRECONDITION');
      const v2 = await put(store, 'k', 'two', { ifMatch: v1.etag });
      expectErr(await store.write('box', 'k', 'stale', { ifMatch: v1.etag }), 'PRECONDITION');
      expectErr(await store.write('box', 'missing', 'x', { ifMatch: v2.etag }), 'PRECONDITION');
      expect(await content(store, 'k')).toBe('two');
      expect(await listAll(store)).toEqual(['k']);
      expectErr(await store.write('box', 'k', 'x', { ifAbsent: true, ifMatch: v2.etag }), 'INVALID_ARGUMENT');
    },
    'conditionalWrites',
  );

  h.test(
    'of concurrent ifAbsent writes to one key, exactly one wins',
    async () => {
      const store = await h.store();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.write('box', 'once', `writer ${i}`, { ifAbsent: true })),
      );
      const won = results.filter((r) => r.isOk());
      expect(won).toHaveLength(1);
      for (const r of results) if (r.isErr()) expect(r.error.code).toBe('PRECONDITION');
      expect(await content(store, 'once')).toBe(`writer ${results.findIndex((r) => r.isOk())}`);
    },
    'conditionalWrites',
  );

  h.test('an expired object is gone for stat, exists, read, copy and list, but listed with includeExpired', async () => {
    const { instance: store, context } = await h.create();
    expectOk(await store.createContainer('box'));
    const meta = await put(store, 'export.zip', 'zip', { ttlMs: 60_000 });
    expect(meta.expiresAtMs).toBe(meta.createdAtMs + 60_000);
    await put(store, 'keep', 'k');
    await h.elapse(context, 60_001);
    expect(expectOk(await store.stat('box', 'export.zip'))).toBeUndefined();
    expect(expectOk(await store.exists('box', 'export.zip'))).toBe(false);
    expectErr(await store.read('box', 'export.zip'), 'NOT_FOUND');
    expectErr(await store.copy('box', 'export.zip', 'box', 'copy'), 'NOT_FOUND');
    expect(await listAll(store)).toEqual(['keep']);
    const all = expectOk(await store.list('box', { includeExpired: true }));
    expect(all.objects.map((o) => o.key)).toEqual(['export.zip', 'keep']);
    // The expiry job's step: delete what has expired.
    expect(expectOk(await store.delete('box', 'export.zip'))).toBe(true);
    // A new write over an expired key counts as a new object.
    await put(store, 'keep2', 'x', { ttlMs: 10 });
    await h.elapse(context, 11);
    await put(store, 'keep2', 'fresh', { ifAbsent: true });
    expect(await content(store, 'keep2')).toBe('fresh');
  }, ['expiry', 'conditionalWrites']);

  h.test(
    'copy keeps the expiry time of the source',
    async () => {
      const { instance: store, context } = await h.create();
      expectOk(await store.createContainer('box'));
      const source = await put(store, 's', 'x', { ttlMs: 1000 });
      const copied = expectOk(await store.copy('box', 's', 'box', 'c'));
      expect(copied.expiresAtMs).toBe(source.expiresAtMs);
      await h.elapse(context, 1001);
      expect(expectOk(await store.exists('box', 'c'))).toBe(false);
    },
    'expiry',
  );

  h.test('options a store lacks are UNSUPPORTED, not ignored', async () => {
    const store = await h.store();
    const { expiry, conditionalWrites, ranges, presignedUrls } = h.options.capabilities;
    if (!expiry) expectErr(await store.write('box', 'k', 'x', { ttlMs: 5 }), 'UNSUPPORTED');
    if (!conditionalWrites) expectErr(await store.write('box', 'k', 'x', { ifAbsent: true }), 'UNSUPPORTED');
    if (!ranges) expectErr(await store.read('box', 'k', { range: { offset: 0 } }), 'UNSUPPORTED');
    if (!presignedUrls) expectErr(await store.presign('box', 'k', { method: 'get', expiresInMs: 1000 }), 'UNSUPPORTED');
    expect(expectOk(await store.exists('box', 'k'))).toBe(false);
  });
}
