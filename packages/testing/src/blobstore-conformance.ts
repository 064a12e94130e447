import { describe } from 'vitest';
import { basicTests } from './blobstore-conformance-basic.js';
import { conditionTests } from './blobstore-conformance-conditions.js';
import { keyTests } from './blobstore-conformance-keys.js';
import { lifecycleTests } from './blobstore-conformance-lifecycle.js';
import { listTests } from './blobstore-conformance-list.js';
import { modelTests } from './blobstore-conformance-model.js';
import { presignTests } from './blobstore-conformance-presign.js';
import { streamTests } from './blobstore-conformance-streams.js';
import { BlobstoreHarness, type BlobstoreConformanceOptions } from './blobstore-harness.js';

/**
 * The blobstore contract as tests. Every blobstore adapter runs it from one short test file;
 * capabilities gate tests, and a skipped test needs a written reason. Pass a small
 * `limits.maxObjectBytes` (such as 1 MiB) in the factory so the size-limit test runs.
 *
 * @example
 * describeBlobstoreConformance({
 *   name: 'fs',
 *   factory: ({ clock, id }) => createFsBlobstore({ root: join(tmp, id), clock, limits: { maxObjectBytes: 1 << 20 } }),
 *   reopen: ({ clock, id }) => createFsBlobstore({ root: join(tmp, id), clock, limits: { maxObjectBytes: 1 << 20 } }),
 *   capabilities: { presignedUrls: false, ranges: true, expiry: true, conditionalWrites: true, persistent: true },
 * });
 */
export function describeBlobstoreConformance(options: BlobstoreConformanceOptions): void {
  describe(`blobstore conformance: ${options.name}`, () => {
    const h = new BlobstoreHarness(options);
    basicTests(h);
    streamTests(h);
    listTests(h);
    keyTests(h);
    conditionTests(h);
    presignTests(h);
    lifecycleTests(h);
    modelTests(h);
    h.checkSkips();
  });
}
