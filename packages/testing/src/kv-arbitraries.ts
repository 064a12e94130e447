import fc from 'fast-check';
import type { KvValue } from '@keel/core';

/** Every case of WIT `kv.value`, including the awkward ones: NaN, -0, s64 bounds, empty text and bytes. */
export const kvValueArbitrary: fc.Arbitrary<KvValue> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.uint8Array({ maxLength: 64 }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double(),
  fc.boolean(),
);

/**
 * Keys from a small fixed pool, so that random commands keep hitting the same keys, and
 * prefixes that nest and cross the UTF-16/UTF-8 ordering difference ('\uffff' vs '😀').
 */
export const kvKeyArbitrary: fc.Arbitrary<string> = fc.constantFrom(
  'a',
  'ab',
  'abc',
  'a:b',
  'b',
  'ba',
  'é',
  'éa',
  '\uffff',
  '😀',
  '😀a',
  'a😀',
);
