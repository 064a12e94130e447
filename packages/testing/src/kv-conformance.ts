import { describe } from 'vitest';
import { atomicTests } from './kv-conformance-atomic.js';
import { basicTests } from './kv-conformance-basic.js';
import { lifecycleTests } from './kv-conformance-lifecycle.js';
import { modelTests } from './kv-conformance-model.js';
import { scanTests } from './kv-conformance-scan.js';
import { syncTests } from './kv-conformance-sync.js';
import { ttlTests } from './kv-conformance-ttl.js';
import { viewedThrough } from './harness.js';
import { KvHarness, type KvConformanceOptions } from './kv-harness.js';
import { kvThroughSync } from './kv-sync-view.js';

/**
 * The kv contract as tests. Every kv adapter — ours or a third party's — runs it from one
 * short test file; capabilities gate tests, and a skipped test needs a written reason.
 *
 * @example
 * describeKvConformance({
 *   name: 'memory',
 *   factory: ({ clock }) => createMemoryKv({ clock }),
 *   capabilities: { ttl: true, atomicBatch: true, persistent: false, synchronous: true },
 * });
 */
export function describeKvConformance(options: KvConformanceOptions): void {
  describe(`kv conformance: ${options.name}`, () => {
    const h = new KvHarness(options);
    contractTests(h);
    syncTests(h);
    h.checkSkips();
    // A synchronous adapter passes the whole contract a second time, every call through kv.sync.
    if (options.capabilities.synchronous) {
      describe('through kv.sync', () => {
        const viewed = new KvHarness(viewedThrough(options, kvThroughSync));
        contractTests(viewed);
        viewed.checkSkips();
      });
    }
  });
}

function contractTests(h: KvHarness): void {
  basicTests(h);
  atomicTests(h);
  ttlTests(h);
  scanTests(h);
  lifecycleTests(h);
  modelTests(h);
}
