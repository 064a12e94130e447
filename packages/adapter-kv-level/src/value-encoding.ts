import type { KvValue } from '@keel/core';
import { corruptRecord } from './level-kv-errors.js';

/**
 * How a value is stored: one LevelDB value per key, **format 1**:
 *
 * | bytes | meaning |
 * |---|---|
 * | 0 | format version, `0x01` |
 * | 1 | type tag: `0x01` text, `0x02` bytes, `0x03` s64, `0x04` f64, `0x05` bool; `+0x80` when the key expires |
 * | 2–9 | only with `0x80`: expiry time, ms since the epoch, IEEE-754 float64 big-endian |
 * | rest | text: UTF-8 · bytes: as is · s64: 8 bytes big-endian two's complement · f64: 8 bytes IEEE-754 big-endian (NaN and -0 survive) · bool: `0x00`/`0x01` |
 *
 * A reader refuses a version it does not know instead of misreading it, so the format can change.
 */
export const FORMAT_VERSION = 1;

const TEXT = 0x01;
const BYTES = 0x02;
const S64 = 0x03;
const F64 = 0x04;
const BOOL = 0x05;
const EXPIRES = 0x80;
const TYPE_MASK = 0x7f;

/** Encodes a value and its expiry time (`undefined`: never) into one record. */
export function encodeRecord(value: KvValue, expiresAt: number | undefined): Buffer {
  const start = expiresAt === undefined ? 2 : 10;
  let record: Buffer;
  let tag: number;
  switch (typeof value) {
    case 'string':
      tag = TEXT;
      record = Buffer.allocUnsafe(start + Buffer.byteLength(value, 'utf8'));
      record.write(value, start, 'utf8');
      break;
    case 'bigint':
      tag = S64;
      record = Buffer.allocUnsafe(start + 8);
      record.writeBigInt64BE(value, start);
      break;
    case 'number':
      tag = F64;
      record = Buffer.allocUnsafe(start + 8);
      record.writeDoubleBE(value, start);
      break;
    case 'boolean':
      tag = BOOL;
      record = Buffer.allocUnsafe(start + 1);
      record[start] = value ? 1 : 0;
      break;
    default:
      tag = BYTES;
      record = Buffer.allocUnsafe(start + value.byteLength);
      record.set(value, start);
  }
  record[0] = FORMAT_VERSION;
  record[1] = expiresAt === undefined ? tag : tag | EXPIRES;
  if (expiresAt !== undefined) record.writeDoubleBE(expiresAt, 2);
  return record;
}

/** When the record's key expires, or `undefined` when it never does. */
export function recordExpiry(record: Buffer): number | undefined {
  return (record[1] as number) & EXPIRES ? record.readDoubleBE(2) : undefined;
}

/** True when the record has expired at `now`: an expired key reads as missing. */
export function isExpired(record: Buffer, now: number): boolean {
  return ((record[1] as number) & EXPIRES) !== 0 && record.readDoubleBE(2) <= now;
}

/**
 * The value of a record, or `undefined` when it has expired at `now()`. `now` is only called
 * for a record that can expire, which keeps the common read free of clock reads.
 */
export function liveValue(key: string, record: Buffer, now: () => number): KvValue | undefined {
  const tag = record[1] as number;
  if (record[0] !== FORMAT_VERSION) throw unknownVersion(key, record);
  if (tag & EXPIRES)
    return record.readDoubleBE(2) <= now() ? undefined : decodePayload(key, record, tag & TYPE_MASK, 10);
  return decodePayload(key, record, tag, 2);
}

/** The value of a record, whatever its expiry. */
export function decodeValue(key: string, record: Buffer): KvValue {
  const tag = record[1] as number;
  if (record[0] !== FORMAT_VERSION) throw unknownVersion(key, record);
  return tag & EXPIRES ? decodePayload(key, record, tag & TYPE_MASK, 10) : decodePayload(key, record, tag, 2);
}

function decodePayload(key: string, record: Buffer, type: number, start: number): KvValue {
  const size = record.length - start;
  switch (type) {
    case TEXT:
      return record.toString('utf8', start);
    case S64:
      if (size === 8) return record.readBigInt64BE(start);
      break;
    case F64:
      if (size === 8) return record.readDoubleBE(start);
      break;
    case BOOL:
      if (size === 1) return record[start] === 1;
      break;
    case BYTES:
      if (size >= 0) return bytesOf(record, start);
      break;
  }
  throw corruptRecord(key, `type tag 0x${type.toString(16)} with ${size} payload bytes`);
}

/**
 * The payload as a plain `Uint8Array`. LevelDB hands each read its own exactly-sized buffer,
 * so a view is safe and saves a copy; a pooled buffer (never seen) would be copied instead.
 */
function bytesOf(record: Buffer, start: number): Uint8Array {
  if (record.buffer.byteLength === record.length) {
    return new Uint8Array(record.buffer, record.byteOffset + start, record.length - start);
  }
  return Uint8Array.prototype.slice.call(new Uint8Array(record.buffer, record.byteOffset, record.length), start);
}

function unknownVersion(key: string, record: Buffer) {
  return corruptRecord(
    key,
    `written in value format ${String(record[0])}; this version reads format ${FORMAT_VERSION}`,
  );
}
