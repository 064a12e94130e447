import { describeBuiltPackage } from '@keel/testing';
import { s3rverCredentials, startS3rver } from './s3rver.js';

// The built package the way an app gets it, against a private s3rver: write, a presigned GET
// fetched without credentials, and a typed error.
const { endpoint } = await startS3rver();
const options = JSON.stringify({
  endpoint,
  forcePathStyle: true,
  credentials: s3rverCredentials,
  bucketPrefix: 'dist-',
});

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script: `
    import { s3BlobstoreAdapter } from '@keel/adapter-blobstore-s3';
    import { createKeel, BlobstoreError } from '@keel/core';
    const keel = (await createKeel({ blobstore: { adapter: 's3', options: ${options} } }, { env: false, adapters: [s3BlobstoreAdapter] }))._unsafeUnwrap();
    await keel.blobstore.createContainer('box');
    (await keel.blobstore.write('box', 'k.txt', 'from dist'))._unsafeUnwrap();
    const url = (await keel.blobstore.presign('box', 'k.txt', { method: 'get', expiresInMs: 60000 }))._unsafeUnwrap();
    const fetched = await (await fetch(url)).text();
    const bad = (await keel.blobstore.read('box', 'missing'))._unsafeUnwrapErr();
    await keel.close();
    console.log(JSON.stringify({ fetched, code: bad.code, typed: bad instanceof BlobstoreError }));`,
  expected: { fetched: 'from dist', code: 'NOT_FOUND', typed: true },
});
