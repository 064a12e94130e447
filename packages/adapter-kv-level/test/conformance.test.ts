import { describeKvConformance } from '@keel/testing';
import { createLevelKv } from '../src/index.js';
import { tempFolders } from './temp-folders.js';

const temp = tempFolders('conformance');

describeKvConformance({
  name: 'level',
  factory: ({ clock, id }) => createLevelKv({ location: temp.folder(id), clock }),
  reopen: ({ clock, id }) => createLevelKv({ location: temp.folder(id), clock }),
  capabilities: { ttl: true, atomicBatch: true, persistent: true, synchronous: false },
});
