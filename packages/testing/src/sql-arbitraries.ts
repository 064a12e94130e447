import fc from 'fast-check';
import type { SqlValue } from '@keel/core';

/** One arbitrary per case of WIT `sql.value`, keyed by the case name. */
export const sqlValueArbitrary = {
  null: fc.constant(null),
  integer: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  real: fc.double({ noNaN: true }).filter((n) => !Object.is(n, -0)),
  text: fc.string({ unit: 'grapheme', maxLength: 60 }),
  blob: fc.uint8Array({ maxLength: 80 }),
} satisfies Record<string, fc.Arbitrary<SqlValue>>;

/** An integer as Keel reads it back: a `number` when it is exact, else a `bigint`. */
export function readBackInteger(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}
