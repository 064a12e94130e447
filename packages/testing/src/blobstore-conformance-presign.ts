import { expect } from 'vitest';
import { expectOk } from './expect-result.js';
import { content, put, type BlobstoreHarness } from './blobstore-harness.js';

export function presignTests(h: BlobstoreHarness): void {
  h.test(
    'a presigned GET URL reads the object without credentials',
    async () => {
      const store = await h.store();
      await put(store, 'shared/report.txt', 'for your eyes', { contentType: 'text/plain' });
      const url = expectOk(await store.presign('box', 'shared/report.txt', { method: 'get', expiresInMs: 60_000 }));
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('for your eyes');
      // The signature covers the key: the same URL for another key is refused.
      const other = await fetch(url.replace('report.txt', 'other.txt'));
      expect(other.status).toBeGreaterThanOrEqual(400);
    },
    'presignedUrls',
  );

  h.test(
    'a presigned PUT URL writes the object',
    async () => {
      const store = await h.store();
      const url = expectOk(
        await store.presign('box', 'uploads/a.txt', { method: 'put', expiresInMs: 60_000, contentType: 'text/plain' }),
      );
      const response = await fetch(url, { method: 'PUT', body: 'uploaded', headers: { 'content-type': 'text/plain' } });
      expect(response.status).toBe(200);
      expect(await content(store, 'uploads/a.txt')).toBe('uploaded');
    },
    'presignedUrls',
  );
}
