import { inspect, isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue, NotEncodable } from '../src/value-codec.js';

// Keys JSON or the codec might trip on: `$`-prefixed ones (the codec's tags), `__proto__`, empty.
const key = fc.oneof(
  fc.string(),
  fc.constantFrom('$n', '$f', '$d', '$b', '$u', '$', '$$', '$$n', '__proto__', 'constructor', 'toJSON', ''),
  fc.string().map((s) => `$${s}`),
);

const leaf = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.double(),
  fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, 2 ** 53 + 2),
  fc.integer(),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 40 }),
  fc.date({ noInvalidDate: true }),
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  // `undefined` items: JSON would turn them into null.
  array: fc.array(fc.oneof(tie('value'), fc.constant(undefined)), { maxLength: 5 }),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map((pairs) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of pairs)
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  }),
}));

describe('value codec', () => {
  it('gives back every plain value exactly (bigint, bytes, dates, -0, NaN, $ keys, __proto__, undefined items)', () => {
    fc.assert(
      fc.property(value, (v) => {
        const encoded = encodeValue(v);
        // Node's strict deep equality: prototypes, own keys, Object.is for numbers (-0, NaN), bytes, dates.
        // (vitest's toStrictEqual compares `constructor` properties, which plain data may have as keys.)
        const decoded = decodeValue(encoded.text, encoded.typed);
        expect(isDeepStrictEqual(decoded, v), inspect({ v, decoded }, { depth: 10 })).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('needs no reviver for values JSON keeps as they are', () => {
    expect(encodeValue({ a: [1, 'two', null, true], b: { c: 'd' } }).typed).toBe(false);
    expect(encodeValue({ a: 1n }).typed).toBe(true);
    expect(encodeValue({ $a: 1 }).typed).toBe(true);
  });

  it('drops undefined properties, as JSON does', () => {
    const encoded = encodeValue({ a: 1, b: undefined });
    expect(Object.keys(decodeValue(encoded.text, encoded.typed) as object)).toEqual(['a']);
  });

  it('refuses what it cannot give back, naming the path', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const cases: [unknown, RegExp][] = [
      [{ a: [1, () => 2] }, /value\.a\[1\] is a function/],
      [{ s: Symbol('x') }, /value\.s is a symbol/],
      [new Set([1]), /value is a Set/],
      [{ p: new Point(1) }, /value\.p is a Point/],
      [{ when: new Date(Number.NaN) }, /value\.when is an invalid Date/],
      [{ f: new Float64Array(2) }, /value\.f is a Float64Array/],
      [{ own: { toJSON: () => 'x' } }, /value\.own/],
    ];
    for (const [input, message] of cases) expect(() => encodeValue(input)).toThrow(message);
    const cyclic: { self?: unknown } = {};
    cyclic.self = [cyclic];
    expect(() => encodeValue(cyclic)).toThrow(NotEncodable);
    expect(() => encodeValue(cyclic)).toThrow(/value\.self\[0\] refers back/);
  });
});
