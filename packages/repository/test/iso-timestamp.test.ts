import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseTimestamp } from '../src/iso-timestamp.js';

/** The same instant, or both invalid: what `new Date(text)` answers is the reference. */
const agrees = (text: string) => {
  const expected = new Date(text).getTime();
  const actual = parseTimestamp(text).getTime();
  expect(Number.isNaN(actual) ? 'invalid' : actual, text).toBe(Number.isNaN(expected) ? 'invalid' : expected);
};

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('parseTimestamp (the fast path for the repository’s own timestamp text)', () => {
  it('reads what toISOString writes, from year 0 to 9999', () => {
    const yearZero = new Date('0000-01-01T00:00:00.000Z').getTime();
    fc.assert(
      fc.property(fc.integer({ min: yearZero, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const text = new Date(ms).toISOString();
        expect(parseTimestamp(text).getTime()).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it('answers as new Date(text) for every field in and out of range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 19 }),
        fc.integer({ min: 0, max: 39 }),
        fc.integer({ min: 0, max: 29 }),
        fc.integer({ min: 0, max: 69 }),
        fc.integer({ min: 0, max: 69 }),
        fc.integer({ min: 0, max: 999 }),
        (y, mo, d, h, mi, s, ms) =>
          agrees(`${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}Z`),
      ),
      { numRuns: 3000 },
    );
  });

  it('answers as new Date(text) when a character is changed, and for other shapes', () => {
    const base = '2026-02-14T08:30:15.250Z';
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.string({ minLength: 1, maxLength: 1 }), (at, c) =>
        agrees(base.slice(0, at) + c + base.slice(at + 1)),
      ),
      { numRuns: 2000 },
    );
    for (const text of [
      '2026-02-29T00:00:00.000Z', // no such day: new Date's answer, whatever it is
      '2024-02-29T23:59:59.999Z',
      '2000-02-29T12:00:00.000Z', // a leap year by the 400-year rule
      '1900-02-29T12:00:00.000Z', // and no leap year by the 100-year rule
      '0000-02-29T00:00:00.000Z',
      '0000-03-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.999Z',
      '2026-04-31T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '0099-12-31T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01 00:00:00.000Z',
      '2026-01-01T00:00:00.000+00',
      '2026-01-01T00:00:00.5Z',
      '+2026-01-01T00:00:00.000Z',
      '',
    ])
      agrees(text);
  });
});

describe('formatTimestamp (toISOString, faster)', () => {
  const same = (date: Date) => {
    let expected: string;
    try {
      expected = date.toISOString();
    } catch (thrown) {
      expect(() => formatTimestamp(date)).toThrow((thrown as Error).constructor as ErrorConstructor);
      return;
    }
    expect(formatTimestamp(date)).toBe(expected);
  };

  it('writes what toISOString writes, from year 0 to 9999 and past both ends', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => same(new Date(ms))),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000 - 1000, max: 253_402_300_799_999 + 1000 }), (ms) =>
        same(new Date(ms)),
      ),
      { numRuns: 5000 },
    );
  });

  it('at the edges of years, leap days and eras', () => {
    for (const text of [
      '0000-01-01T00:00:00.000Z',
      '0000-02-29T23:59:59.999Z',
      '0000-03-01T00:00:00.000Z',
      '1899-12-31T23:59:59.999Z',
      '1900-03-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '2000-02-29T12:00:00.001Z',
      '2100-03-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
    ])
      expect(formatTimestamp(new Date(text))).toBe(text);
    same(new Date(-62_167_219_200_001));
    same(new Date(253_402_300_800_000));
    same(new Date(Number.NaN));
  });
});
