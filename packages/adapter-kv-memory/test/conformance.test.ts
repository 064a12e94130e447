import { describeKvConformance } from '@keel/testing';
import { createMemoryKv } from '../src/index.js';

describeKvConformance({
  name: 'memory',
  factory: ({ clock }) => createMemoryKv({ clock }),
  capabilities: { ttl: true, atomicBatch: true, persistent: false, synchronous: true },
});
