import { describeBuiltPackage } from '@keel/testing';
import { tempFolders } from './temp-folders.js';

// The built package the way an app gets it: plain `node`, no source condition; through the
// container by registration and by `module`, and the errors are core's one BlobstoreError class.
const temp = tempFolders('dist');
const root = JSON.stringify(temp.folder('store'));

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script: `
    import { text } from 'node:stream/consumers';
    import { createFsBlobstore, fsBlobstoreAdapter } from '@keel/adapter-blobstore-fs';
    import { createKeel, BlobstoreError } from '@keel/core';
    const files = createFsBlobstore({ root: ${root} });
    await files.createContainer('box');
    await files.write('box', 'a/b.txt', 'hello', { contentType: 'text/plain' });
    await files.close();
    const config = { blobstore: { adapter: 'fs', options: { root: ${root} } } };
    const keel = (await createKeel(config, { env: false, adapters: [fsBlobstoreAdapter] }))._unsafeUnwrap();
    const read = (await keel.blobstore.read('box', 'a/b.txt'))._unsafeUnwrap();
    const content = await text(read.body);
    await keel.close();
    const byModule = { blobstore: { ...config.blobstore, module: '@keel/adapter-blobstore-fs', export: 'fsBlobstoreAdapter' } };
    const third = (await createKeel(byModule, { env: false }))._unsafeUnwrap();
    const bad = (await third.blobstore.write('box', '../escape', 'x'))._unsafeUnwrapErr();
    await third.close();
    console.log(JSON.stringify({ content, type: read.metadata.contentType, code: bad.code, typed: bad instanceof BlobstoreError }));`,
  expected: { content: 'hello', type: 'text/plain', code: 'INVALID_KEY', typed: true },
});
