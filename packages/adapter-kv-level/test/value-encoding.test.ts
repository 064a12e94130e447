import { KvError, type KvValue } from '@keel/core';
import { kvValueArbitrary } from '@keel/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeRecord, isExpired, liveValue, recordExpiry } from '../src/value-encoding.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const f64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return b.toString('hex');
};

/** The documented layout, byte for byte: stores written today must read the same tomorrow. */
describe('value encoding, format 1', () => {
  it('writes the documented bytes for every type', () => {
    expect(hex(encodeRecord('hé', undefined))).toBe('0101' + '68c3a9');
    expect(hex(encodeRecord('', undefined))).toBe('0101');
    expect(hex(encodeRecord(new Uint8Array([0, 255]), undefined))).toBe('0102' + '00ff');
    expect(hex(encodeRecord(-1n, undefined))).toBe('0103' + 'ffffffffffffffff');
    expect(hex(encodeRecord(2n ** 63n - 1n, undefined))).toBe('0103' + '7fffffffffffffff');
    expect(hex(encodeRecord(1.5, undefined))).toBe('0104' + '3ff8000000000000');
    expect(hex(encodeRecord(-0, undefined))).toBe('0104' + '8000000000000000');
    expect(hex(encodeRecord(Number.NaN, undefined))).toBe('0104' + '7ff8000000000000');
    expect(hex(encodeRecord(true, undefined))).toBe('0105' + '01');
    expect(hex(encodeRecord(false, undefined))).toBe('0105' + '00');
    // With an expiry: tag + 0x80, then the time as float64 big-endian, then the payload.
    expect(hex(encodeRecord('x', 1_700_000_000_000))).toBe('0181' + f64(1_700_000_000_000) + '78');
  });

  it('round-trips every value, with and without expiry, type and bits included', () => {
    fc.assert(
      fc.property(
        kvValueArbitrary,
        fc.option(fc.integer({ min: 0, max: 2 ** 50 }), { nil: undefined }),
        (value, expiresAt) => {
          const record = encodeRecord(value, expiresAt);
          const back = decodeValue('k', record);
          if (value instanceof Uint8Array) {
            expect(back).toBeInstanceOf(Uint8Array);
            expect(Buffer.isBuffer(back)).toBe(false);
            expect(hex(back as Uint8Array)).toBe(hex(value));
          } else {
            expect(Object.is(back, value)).toBe(true);
          }
          expect(recordExpiry(record)).toBe(expiresAt);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads an expiring record as missing from its expiry time on, asking the clock only then', () => {
    let asked = 0;
    const at = (time: number) => () => {
      asked++;
      return time;
    };
    const record = encodeRecord(7n, 1000);
    expect(liveValue('k', record, at(999))).toBe(7n);
    expect(liveValue('k', record, at(1000))).toBeUndefined();
    expect(isExpired(record, 999)).toBe(false);
    expect(isExpired(record, 1000)).toBe(true);
    expect(asked).toBe(2);
    expect(liveValue('k', encodeRecord(7n, undefined), at(Number.MAX_VALUE))).toBe(7n);
    expect(asked).toBe(2);
  });

  it('refuses what it cannot read instead of guessing', () => {
    const unreadable = (bytes: number[]) => {
      try {
        decodeValue('k', Buffer.from(bytes));
      } catch (thrown) {
        return thrown as KvError;
      }
      throw new Error('decoded');
    };
    for (const bytes of [
      [2, 1, 0x68], // a future format version
      [1, 9], // an unknown type tag
      [1, 3, 1, 2], // an s64 of 2 bytes
      [1, 5], // a bool without its byte
    ]) {
      const error = unreadable(bytes);
      expect(error).toBeInstanceOf(KvError);
      expect(error.code).toBe('INTERNAL');
    }
    expect(unreadable([2, 1]).message).toMatch(/format 2; this version reads format 1/);
  });

  it('hands out byte values that share nothing with other reads', () => {
    const record = encodeRecord(new Uint8Array([1, 2, 3]), undefined);
    const value = decodeValue('k', record) as Uint8Array;
    // A view is only used when the record's buffer holds nothing else.
    if (value.buffer === record.buffer) expect(record.buffer.byteLength).toBe(record.length);
    const pooled = Buffer.from(encodeRecord(new Uint8Array([4, 5]), undefined)); // small Buffers share a pool
    const copy = decodeValue('k', pooled) as KvValue as Uint8Array;
    expect([...copy]).toEqual([4, 5]);
    expect(copy.buffer.byteLength).toBe(2);
  });
});
