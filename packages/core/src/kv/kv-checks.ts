import { describeValue } from '../errors/describe-value.js';
import type { KvCapabilities } from './kv-capabilities.js';
import type { KvEntry, KvScanOptions, KvSetOptions, KvValue } from './kv-contract.js';
import { decodeCursor } from './kv-cursor.js';
import { KvError, type KvErrorCode } from './kv-errors.js';
import { DEFAULT_SCAN_LIMIT, MAX_SCAN_LIMIT, type KvLimits } from './kv-limits.js';
import { isS64, isWellFormed, kvValueSize, kvValueType, utf8Length } from './kv-values.js';

/** A scan request once checked: the cursor decoded into the key to continue after. */
export interface CheckedScan {
  readonly prefix: string;
  readonly after: string | undefined;
  readonly limit: number;
}

/**
 * The argument checks of every kv call, shared by the async surface and the synchronous facet.
 * Wrong JavaScript types throw `TypeError` (a programming mistake); bad values come back as the
 * `KvError` to return, `undefined` when the argument is fine.
 */
export function kvChecks(adapter: string, limits: KvLimits, capabilities: KvCapabilities) {
  const fail = (code: KvErrorCode, op: string, message: string, key?: string): KvError =>
    new KvError({ code, message, adapter, op, ...(key === undefined ? {} : { key }) });

  function key(op: string, value: unknown, field = 'key'): KvError | undefined {
    if (typeof value !== 'string')
      throw new TypeError(`kv.${op}: ${field} must be a string, got ${describeValue(value)}`);
    if (value.length === 0) return fail('INVALID_ARGUMENT', op, `${field} must not be empty`);
    if (!isWellFormed(value))
      return fail('INVALID_ARGUMENT', op, `${field} contains a lone surrogate, which UTF-8 cannot hold`, value);
    // A UTF-16 unit is at most 3 UTF-8 bytes, so short keys need no byte count.
    if (value.length * 3 > limits.maxKeyBytes && utf8Length(value) > limits.maxKeyBytes) {
      return fail('TOO_LARGE', op, `${field} is longer than maxKeyBytes (${limits.maxKeyBytes} bytes)`, value);
    }
    return undefined;
  }

  function value(op: string, forKey: string, candidate: unknown, field = 'value'): KvError | undefined {
    const type = kvValueType(candidate);
    if (type === undefined) {
      return fail(
        'INVALID_ARGUMENT',
        op,
        `${field} must be a string, Uint8Array, bigint, number or boolean, got ${describeValue(candidate)}`,
        forKey,
      );
    }
    if (type === 'text' && !isWellFormed(candidate as string)) {
      return fail('INVALID_ARGUMENT', op, `${field} contains a lone surrogate, which UTF-8 cannot hold`, forKey);
    }
    if (type === 's64' && !isS64(candidate as bigint))
      return fail('INVALID_ARGUMENT', op, `${field} is outside the s64 range`, forKey);
    if (kvValueSize(candidate as KvValue) > limits.maxValueBytes) {
      return fail('TOO_LARGE', op, `${field} is larger than maxValueBytes (${limits.maxValueBytes} bytes)`, forKey);
    }
    return undefined;
  }

  function ttl(op: string, ttlMs: unknown, forKey?: string): KvError | undefined {
    if (ttlMs === undefined) return undefined;
    if (typeof ttlMs !== 'number') throw new TypeError(`kv.${op}: ttlMs must be a number, got ${describeValue(ttlMs)}`);
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
      return fail('INVALID_ARGUMENT', op, `ttlMs must be a positive integer, got ${ttlMs}`, forKey);
    }
    if (!capabilities.ttl) return fail('UNSUPPORTED', op, `kv adapter '${adapter}' does not support expiry`, forKey);
    return undefined;
  }

  return {
    key,
    value,
    ttl,

    /** The `ttlMs` of a set-options argument. */
    ttlOf(op: string, options: KvSetOptions | undefined): number | undefined {
      if (options === undefined) return undefined;
      if (typeof options !== 'object' || options === null) {
        throw new TypeError(`kv.${op}: options must be an object, got ${describeValue(options)}`);
      }
      return options.ttlMs;
    },

    delta(candidate: unknown, forKey: string): KvError | undefined {
      if (typeof candidate !== 'bigint')
        throw new TypeError(`kv.increment: delta must be a bigint, got ${describeValue(candidate)}`);
      return isS64(candidate)
        ? undefined
        : fail('INVALID_ARGUMENT', 'increment', 'delta is outside the s64 range', forKey);
    },

    keys(op: string, keys: unknown): KvError | undefined {
      if (!Array.isArray(keys)) throw new TypeError(`kv.${op}: keys must be an array, got ${describeValue(keys)}`);
      if (keys.length > limits.maxBatchSize) {
        return fail('TOO_LARGE', op, `${keys.length} keys exceed maxBatchSize (${limits.maxBatchSize})`);
      }
      for (let i = 0; i < keys.length; i++) {
        const bad = key(op, keys[i], `keys[${i}]`);
        if (bad) return bad;
      }
      return undefined;
    },

    entries(op: string, entries: unknown): KvError | undefined {
      if (!Array.isArray(entries))
        throw new TypeError(`kv.${op}: entries must be an array, got ${describeValue(entries)}`);
      if (entries.length > limits.maxBatchSize) {
        return fail('TOO_LARGE', op, `${entries.length} entries exceed maxBatchSize (${limits.maxBatchSize})`);
      }
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as KvEntry;
        if (typeof entry !== 'object' || entry === null) {
          throw new TypeError(`kv.${op}: entries[${i}] must be { key, value }, got ${describeValue(entry)}`);
        }
        const bad = key(op, entry.key, `entries[${i}].key`) ?? value(op, entry.key, entry.value, `entries[${i}].value`);
        if (bad) return bad;
      }
      return undefined;
    },

    /** Checks scan options and decodes the cursor: a `CheckedScan`, or the error to return. */
    scan(options: KvScanOptions): CheckedScan | KvError {
      if (typeof options !== 'object' || options === null) {
        throw new TypeError(`kv.scan: options must be an object, got ${describeValue(options)}`);
      }
      const { prefix = '', cursor, limit = DEFAULT_SCAN_LIMIT } = options;
      if (typeof prefix !== 'string')
        throw new TypeError(`kv.scan: prefix must be a string, got ${describeValue(prefix)}`);
      if (typeof limit !== 'number')
        throw new TypeError(`kv.scan: limit must be a number, got ${describeValue(limit)}`);
      if (cursor !== undefined && typeof cursor !== 'string') {
        throw new TypeError(`kv.scan: cursor must be a string, got ${describeValue(cursor)}`);
      }
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SCAN_LIMIT) {
        return fail('INVALID_ARGUMENT', 'scan', `limit must be an integer from 1 to ${MAX_SCAN_LIMIT}, got ${limit}`);
      }
      if (utf8Length(prefix) > limits.maxKeyBytes)
        return fail('TOO_LARGE', 'scan', 'prefix is longer than maxKeyBytes');
      if (!isWellFormed(prefix))
        return fail('INVALID_ARGUMENT', 'scan', 'prefix contains a lone surrogate, which UTF-8 cannot hold');
      let after: string | undefined;
      if (cursor !== undefined) {
        after = decodeCursor(cursor);
        if (after === undefined || !after.startsWith(prefix)) {
          return fail('INVALID_CURSOR', 'scan', 'cursor is malformed or belongs to another prefix');
        }
      }
      return { prefix, after, limit };
    },
  };
}

export type KvChecks = ReturnType<typeof kvChecks>;
