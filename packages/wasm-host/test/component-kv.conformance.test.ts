import { describeKvConformance } from '@keel/testing';
import { afterAll } from 'vitest';
import { createComponentKv } from '../src/index.js';
import { fixture, tempDir } from './support/fixtures.js';

// A kv adapter that is a WebAssembly component (fixtures/src/kv-store.wat): the whole contract,
// stored in the component's linear memory, run through core's guard like any adapter.
const store = fixture('kv-store');
const cache = tempDir();
afterAll(() => cache.remove());

for (const mode of ['in-thread', 'isolated'] as const) {
  describeKvConformance({
    name: `component (${mode})`,
    factory: () =>
      createComponentKv({
        path: store.path,
        sha256: store.sha256,
        mode,
        cacheDir: cache.dir,
        capabilities: { atomicBatch: true },
        logger: {},
      }),
    capabilities: { ttl: true, atomicBatch: true, persistent: false, synchronous: false },
    // The component keeps time with the WASI monotonic clock, which a test cannot move.
    time: 'real',
  });
}
