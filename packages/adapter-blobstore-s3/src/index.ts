export { createS3Blobstore, s3BlobstoreAdapter } from './s3-blobstore-adapter.js';
export { s3BlobstoreOptions, type S3BlobstoreOptions } from './s3-blobstore-options.js';

declare module '@keel/core' {
  interface BlobstoreAdapterOptionsMap {
    s3: import('./s3-blobstore-options.js').S3BlobstoreOptions;
  }
}
