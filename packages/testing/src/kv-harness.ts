import type { Kv } from '@keel/core';
import type { KvCapabilities } from '@keel/core';
import type { ConformanceOptions } from './harness.js';
import { Harness } from './harness.js';

export type KvConformanceOptions = ConformanceOptions<Kv, KvCapabilities>;

/** The harness of the kv suite, with short names for what its tests use most. */
export class KvHarness extends Harness<Kv, KvCapabilities> {
  async kv(): Promise<Kv> {
    return this.instance();
  }
}
