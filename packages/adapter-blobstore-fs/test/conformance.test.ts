import { describeBlobstoreConformance } from '@keel/testing';
import { createFsBlobstore } from '../src/index.js';
import { tempFolders } from './temp-folders.js';

const temp = tempFolders('conformance');
const make = ({ clock, id }: { clock: { now(): number }; id: string }) =>
  createFsBlobstore({ root: temp.folder(id), clock, sync: false, limits: { maxObjectBytes: 1024 * 1024 } });

describeBlobstoreConformance({
  name: 'fs',
  factory: make,
  reopen: make,
  capabilities: { presignedUrls: false, ranges: true, expiry: true, conditionalWrites: true, persistent: true },
});
