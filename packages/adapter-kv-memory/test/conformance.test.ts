import { describeKvConformance } from '@keel/core/testing';
import { createMemoryKv } from '../src/index.js';

describeKvConformance({
  name: 'memory',
  factory: ({ clock }) => createMemoryKv({ clock }),
  capabilities: { ttl: true, atomicBatch: true, persistent: false, synchronous: true },
});
