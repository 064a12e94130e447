import { errAsync, type ResultAsync } from 'neverthrow';
import { adapterLifecycle } from '../lifecycle/adapter-lifecycle.js';
import { describeValue } from '../errors/describe-value.js';
import { toInterfaceError } from '../errors/to-interface-error.js';
import { guardedCall, type GuardErrors, type MaybePromise } from '../lifecycle/guarded-call.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Kv, KvEntry, KvSetOptions, KvValue } from './kv-contract.js';
import { deriveKvMethods } from './kv-derived.js';
import { decodeCursor, encodeCursor } from './kv-cursor.js';
import type { KvDriver } from './kv-driver.js';
import { KvError, type KvErrorCode } from './kv-errors.js';
import { DEFAULT_SCAN_LIMIT, MAX_SCAN_LIMIT, defaultKvLimits } from './kv-limits.js';
import { isS64, isWellFormed, kvValueSize, kvValueType, utf8Length } from './kv-values.js';

type Failure = ResultAsync<never, KvError>;

/**
 * Wraps a kv driver in core's guard and returns the `Kv` callers use: every argument is
 * validated (wrong JavaScript types throw `TypeError`; bad values are `Err`), the lifecycle
 * is enforced, and anything the driver throws becomes an `Err`.
 *
 * @example
 * export function createMyKv(options: MyKvOptions = {}): Kv {
 *   return defineKv({ adapter: 'my', capabilities: { ttl: false, atomicBatch: false, persistent: false }, get, set, … });
 * }
 */
export function defineKv(driver: KvDriver): Kv {
  const adapter = driver.adapter;
  const limits = { ...defaultKvLimits, ...driver.limits };
  const derived = deriveKvMethods(driver);
  const lifecycle = new Lifecycle(
    () => driver.open?.(),
    () => driver.close?.(),
  );
  const errors: GuardErrors<KvError> = {
    fromThrown: (thrown, op, key) => toKvError(thrown, adapter, op, key),
    notOpen: (op) => new KvError({ code: 'NOT_OPEN', message: `kv adapter '${adapter}' is closed`, adapter, op }),
  };
  const call = <T>(op: string, fn: () => MaybePromise<T>, key?: string) => guardedCall(lifecycle, errors, op, fn, key);
  const fail = (code: KvErrorCode, op: string, message: string, key?: string): Failure =>
    errAsync(new KvError({ code, message, adapter, op, ...(key === undefined ? {} : { key }) }));

  function checkKey(op: string, key: unknown, field = 'key'): Failure | undefined {
    if (typeof key !== 'string') throw new TypeError(`kv.${op}: ${field} must be a string, got ${describeValue(key)}`);
    if (key.length === 0) return fail('INVALID_ARGUMENT', op, `${field} must not be empty`);
    if (!isWellFormed(key)) return fail('INVALID_ARGUMENT', op, `${field} contains a lone surrogate, which UTF-8 cannot hold`, key);
    // A UTF-16 unit is at most 3 UTF-8 bytes, so short keys need no byte count.
    if (key.length * 3 > limits.maxKeyBytes && utf8Length(key) > limits.maxKeyBytes) {
      return fail('TOO_LARGE', op, `${field} is longer than maxKeyBytes (${limits.maxKeyBytes} bytes)`, key);
    }
    return undefined;
  }

  function checkValue(op: string, key: string, value: unknown, field = 'value'): Failure | undefined {
    const type = kvValueType(value);
    if (type === undefined) {
      return fail(
        'INVALID_ARGUMENT',
        op,
        `${field} must be a string, Uint8Array, bigint, number or boolean, got ${describeValue(value)}`,
        key,
      );
    }
    if (type === 'text' && !isWellFormed(value as string)) {
      return fail('INVALID_ARGUMENT', op, `${field} contains a lone surrogate, which UTF-8 cannot hold`, key);
    }
    if (type === 's64' && !isS64(value as bigint)) return fail('INVALID_ARGUMENT', op, `${field} is outside the s64 range`, key);
    if (kvValueSize(value as KvValue) > limits.maxValueBytes) {
      return fail('TOO_LARGE', op, `${field} is larger than maxValueBytes (${limits.maxValueBytes} bytes)`, key);
    }
    return undefined;
  }

  function checkTtl(op: string, ttlMs: unknown, key?: string): Failure | undefined {
    if (ttlMs === undefined) return undefined;
    if (typeof ttlMs !== 'number') throw new TypeError(`kv.${op}: ttlMs must be a number, got ${describeValue(ttlMs)}`);
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
      return fail('INVALID_ARGUMENT', op, `ttlMs must be a positive integer, got ${ttlMs}`, key);
    }
    if (!driver.capabilities.ttl) return fail('UNSUPPORTED', op, `kv adapter '${adapter}' does not support expiry`, key);
    return undefined;
  }

  function ttlOf(op: string, options: KvSetOptions | undefined): number | undefined {
    if (options === undefined) return undefined;
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`kv.${op}: options must be an object, got ${describeValue(options)}`);
    }
    return options.ttlMs;
  }

  function checkKeys(op: string, keys: unknown): Failure | undefined {
    if (!Array.isArray(keys)) throw new TypeError(`kv.${op}: keys must be an array, got ${describeValue(keys)}`);
    if (keys.length > limits.maxBatchSize) {
      return fail('TOO_LARGE', op, `${keys.length} keys exceed maxBatchSize (${limits.maxBatchSize})`);
    }
    for (let i = 0; i < keys.length; i++) {
      const bad = checkKey(op, keys[i], `keys[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }

  const kv: Kv = {
    adapter,
    capabilities: Object.freeze({ ...driver.capabilities }),

    get(key) {
      return checkKey('get', key) ?? call('get', () => driver.get(key), key);
    },
    set(key, value, options) {
      const ttlMs = ttlOf('set', options);
      return (
        checkKey('set', key) ??
        checkValue('set', key, value) ??
        checkTtl('set', ttlMs, key) ??
        call('set', () => driver.set(key, value, ttlMs), key)
      );
    },
    delete(key) {
      return checkKey('delete', key) ?? call('delete', () => driver.delete(key), key);
    },
    exists(key) {
      return checkKey('exists', key) ?? call('exists', () => derived.exists(key), key);
    },
    increment(key, delta = 1n) {
      if (typeof delta !== 'bigint') throw new TypeError(`kv.increment: delta must be a bigint, got ${describeValue(delta)}`);
      if (!isS64(delta)) return fail('INVALID_ARGUMENT', 'increment', 'delta is outside the s64 range', key);
      return checkKey('increment', key) ?? call('increment', () => driver.increment(key, delta), key);
    },
    compareAndSwap(key, expected, desired, options) {
      const ttlMs = ttlOf('compareAndSwap', options);
      return (
        checkKey('compareAndSwap', key) ??
        (expected === undefined ? undefined : checkValue('compareAndSwap', key, expected, 'expected')) ??
        (desired === undefined ? undefined : checkValue('compareAndSwap', key, desired, 'desired')) ??
        checkTtl('compareAndSwap', ttlMs, key) ??
        call('compareAndSwap', () => driver.compareAndSwap(key, expected, desired, ttlMs), key)
      );
    },
    expire(key, ttlMs) {
      return (
        checkKey('expire', key) ?? checkTtl('expire', ttlMs, key) ?? call('expire', () => driver.expire(key, ttlMs), key)
      );
    },
    ttl(key) {
      return checkKey('ttl', key) ?? call('ttl', () => driver.ttl(key), key);
    },
    scan(options = {}) {
      if (typeof options !== 'object' || options === null) {
        throw new TypeError(`kv.scan: options must be an object, got ${describeValue(options)}`);
      }
      const { prefix = '', cursor, limit = DEFAULT_SCAN_LIMIT } = options;
      if (typeof prefix !== 'string') throw new TypeError(`kv.scan: prefix must be a string, got ${describeValue(prefix)}`);
      if (typeof limit !== 'number') throw new TypeError(`kv.scan: limit must be a number, got ${describeValue(limit)}`);
      if (cursor !== undefined && typeof cursor !== 'string') {
        throw new TypeError(`kv.scan: cursor must be a string, got ${describeValue(cursor)}`);
      }
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SCAN_LIMIT) {
        return fail('INVALID_ARGUMENT', 'scan', `limit must be an integer from 1 to ${MAX_SCAN_LIMIT}, got ${limit}`);
      }
      if (utf8Length(prefix) > limits.maxKeyBytes) return fail('TOO_LARGE', 'scan', 'prefix is longer than maxKeyBytes');
      if (!isWellFormed(prefix)) return fail('INVALID_ARGUMENT', 'scan', 'prefix contains a lone surrogate, which UTF-8 cannot hold');
      let after: string | undefined;
      if (cursor !== undefined) {
        after = decodeCursor(cursor);
        if (after === undefined || !after.startsWith(prefix)) {
          return fail('INVALID_CURSOR', 'scan', 'cursor is malformed or belongs to another prefix');
        }
      }
      // Ask for one more than the page so the last page needs no extra round trip to say so.
      return call('scan', () => driver.scan({ prefix, after, limit: limit + 1 })).map((entries) => {
        if (entries.length <= limit) return { entries, cursor: undefined };
        const page = entries.slice(0, limit);
        return { entries: page, cursor: encodeCursor((page[limit - 1] as KvEntry).key) };
      });
    },
    getMany(keys) {
      return checkKeys('getMany', keys) ?? call('getMany', () => derived.getMany(keys));
    },
    setMany(entries, options) {
      const ttlMs = ttlOf('setMany', options);
      if (!Array.isArray(entries)) {
        throw new TypeError(`kv.setMany: entries must be an array, got ${describeValue(entries)}`);
      }
      if (entries.length > limits.maxBatchSize) {
        return fail('TOO_LARGE', 'setMany', `${entries.length} entries exceed maxBatchSize (${limits.maxBatchSize})`);
      }
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as KvEntry;
        if (typeof entry !== 'object' || entry === null) {
          throw new TypeError(`kv.setMany: entries[${i}] must be { key, value }, got ${describeValue(entry)}`);
        }
        const bad = checkKey('setMany', entry.key, `entries[${i}].key`) ?? checkValue('setMany', entry.key, entry.value, `entries[${i}].value`);
        if (bad) return bad;
      }
      return checkTtl('setMany', ttlMs) ?? call('setMany', () => derived.setMany(entries, ttlMs));
    },
    deleteMany(keys) {
      return checkKeys('deleteMany', keys) ?? call('deleteMany', () => derived.deleteMany(keys));
    },

    ...adapterLifecycle(adapter, lifecycle, errors, () =>
      driver.health ? driver.health() : Promise.resolve(derived.exists('\u0000keel:health')).then(() => undefined),
    ),
  };
  return Object.freeze(kv);
}

function toKvError(thrown: unknown, adapter: string, op: string, key?: string): KvError {
  return toInterfaceError(KvError, 'kv', thrown, adapter, op, key);
}
