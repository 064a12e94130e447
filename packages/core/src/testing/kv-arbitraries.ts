import fc from 'fast-check';
import type { KvValue } from '../kv/kv-contract.js';

/** Every case of WIT `kv.value`, including the awkward ones: NaN, -0, s64 bounds, empty text and bytes. */
export const kvValueArbitrary: fc.Arbitrary<KvValue> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.uint8Array({ maxLength: 64 }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double(),
  fc.boolean(),
);

/** Keys from a small alphabet, so that commands often hit the same keys and prefixes. */
export const kvKeyArbitrary: fc.Arbitrary<string> = fc
  .array(fc.constantFrom('a', 'b', 'c', ':', 'é', '😀'), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join(''));
