export { createFsBlobstore, fsBlobstoreAdapter } from './fs-blobstore-adapter.js';
export { fsBlobstoreOptions, type FsBlobstoreOptions } from './fs-blobstore-options.js';

declare module '@keel/core' {
  interface BlobstoreAdapterOptionsMap {
    fs: import('./fs-blobstore-options.js').FsBlobstoreOptions;
  }
}
