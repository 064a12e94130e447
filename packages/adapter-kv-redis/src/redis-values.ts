import type { KvValue } from '@keel/core';
import { corruptValue } from './redis-kv-errors.js';

/**
 * How a value is stored: one Redis string per key. An s64 is its decimal digits, exactly the
 * string Redis' own `INCRBY` reads and writes, so increments run on the server and keep the
 * key's expiry. Every other type starts with a tag byte no decimal number starts with:
 *
 * | first byte | value | rest |
 * |---|---|---|
 * | `-` or `0`–`9` | s64 | the rest of the decimal digits |
 * | `0x01` | text | UTF-8 |
 * | `0x02` | bytes | as is |
 * | `0x04` | f64 | 8 bytes IEEE-754 big-endian (`-0` kept, every NaN stored as the one quiet NaN) |
 * | `0x05` | bool | `0x00` or `0x01` |
 *
 * Equal values encode to equal bytes, so compare-and-swap compares strings on the server.
 * Expiry is Redis' own (`PX`), not part of the value. (kv-level's record format carries its
 * expiry inside the value and stores s64 in binary, which `INCRBY` cannot read, so the two differ.)
 */
const TEXT = 0x01;
const BYTES = 0x02;
const F64 = 0x04;
const BOOL = 0x05;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

const TEXT_TAG = String.fromCharCode(TEXT);
const FALSE = String.fromCharCode(BOOL, 0);
const TRUE = String.fromCharCode(BOOL, 1);

/**
 * The stored form of a value. The client sends a string as UTF-8, and the tags of text and bool
 * and their payload bytes are below 0x80 (one UTF-8 byte each), so those go as strings: no
 * buffer to allocate, and the whole command is one string to write. f64 and bytes need Buffers.
 */
export function encodeValue(value: KvValue): Buffer | string {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'string':
      return TEXT_TAG + value;
    case 'number': {
      const out = Buffer.allocUnsafe(9);
      out[0] = F64;
      // NaNs differ in their bits but are one value to compare-and-swap: store them alike.
      out.writeDoubleBE(Number.isNaN(value) ? Number.NaN : value, 1);
      return out;
    }
    case 'boolean':
      return value ? TRUE : FALSE;
    default: {
      const out = Buffer.allocUnsafe(1 + value.byteLength);
      out[0] = BYTES;
      out.set(value, 1);
      return out;
    }
  }
}

/** The value of a stored string; a string this adapter did not write is `INTERNAL`, never guessed at. */
export function decodeValue(key: string, stored: Buffer): KvValue {
  const tag = stored[0];
  switch (tag) {
    case TEXT:
      return stored.toString('utf8', 1);
    case BYTES:
      // A copy: the reply may be a view of a larger socket buffer.
      return new Uint8Array(stored.subarray(1));
    case F64:
      if (stored.length === 9) return stored.readDoubleBE(1);
      break;
    case BOOL:
      if (stored.length === 2 && (stored[1] as number) <= 1) return stored[1] === 1;
      break;
    default:
      if (tag !== undefined && (tag === MINUS || (tag >= ZERO && tag <= NINE))) return decodeS64(key, stored);
  }
  throw corruptValue(key, tag === undefined ? 'it is empty' : `it starts with byte 0x${tag.toString(16)}`);
}

function decodeS64(key: string, stored: Buffer): bigint {
  const digits = stored.toString('latin1');
  if (!/^-?\d{1,19}$/.test(digits)) throw corruptValue(key, 'it is not a decimal integer');
  return BigInt(digits);
}

/** The contract's name of a value's type, for messages. */
export function typeName(value: KvValue): string {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'an f64';
  if (typeof value === 'boolean') return 'a bool';
  if (typeof value === 'bigint') return 'an s64';
  return 'bytes';
}
