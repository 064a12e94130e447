import { describe, it } from 'vitest';
import type { KvTarget } from '../support/kv-targets.js';
import { describeBasics } from './suite-basics.js';
import { describeInvalidation } from './suite-invalidation.js';
import { describeKvFailures } from './suite-kv-failures.js';
import { describeSingleFlight } from './suite-single-flight.js';

/** The whole cache suite on one kv adapter: every adapter runs the same bodies. */
export function describeCacheSuite(target: KvTarget): void {
  if (target.skip !== undefined) {
    describe.skip(`@keel/cache on ${target.name} — skipped: ${target.skip}`, () => it('runs', () => undefined));
    return;
  }
  describe(`@keel/cache on ${target.name}`, () => {
    describeBasics(target);
    describeInvalidation(target);
    describeSingleFlight(target);
    describeKvFailures(target);
  });
}
