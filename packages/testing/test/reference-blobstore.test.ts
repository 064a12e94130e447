import { describeBlobstoreConformance } from '../src/index.js';
import { createReferenceBlobstore } from '../src/reference-blobstore.js';

// The model itself passes the suite, so a failure on an adapter is the adapter's, not the model's.
describeBlobstoreConformance({
  name: 'reference',
  factory: ({ clock }) => createReferenceBlobstore(clock, { maxObjectBytes: 256 * 1024 }),
  capabilities: { presignedUrls: false, ranges: true, expiry: true, conditionalWrites: true, persistent: false },
});
