import type { SqlValue } from '@keel/core';
import { dialectError } from './keel-errors.js';

/**
 * Kysely's parameters as the contract's values: a boolean binds as 1 or 0 and a `Date` as its
 * ISO 8601 text; anything else the contract cannot bind (an object, an array, `undefined`, a
 * function) is an `INVALID_PARAMETER` error naming its position, thrown before the query runs.
 * Numbers, bigints, strings, `Uint8Array` and `null` pass unchanged (core's guard checks NaN and
 * the 64-bit range).
 *
 * @example
 * toSqlValues([true, new Date(0), 'x'], 'query'); // [1, '1970-01-01T00:00:00.000Z', 'x']
 */
export function toSqlValues(parameters: readonly unknown[], op: 'query' | 'execute'): SqlValue[] {
  return parameters.map((value, index) => {
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'bigint':
        return value;
      case 'boolean':
        return value ? 1 : 0;
      case 'object':
        if (value === null || value instanceof Uint8Array) return value;
        if (value instanceof Date) return value.toISOString();
    }
    throw dialectError(
      'INVALID_PARAMETER',
      `parameter ${index + 1} is ${describe(value)}; Keel binds null, numbers, bigints, strings, Uint8Array, ` +
        'booleans (as 1/0) and Dates (as ISO text): serialise it first, e.g. JSON.stringify for a JSON column',
      op,
    );
  });
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${value?.constructor?.name ?? 'null prototype'})`;
  return `a ${typeof value}`;
}
