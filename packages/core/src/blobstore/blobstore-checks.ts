import { describeValue } from '../errors/describe-value.js';
import { decodeCursor } from '../kv/kv-cursor.js';
import { isWellFormed, utf8Length } from '../kv/kv-values.js';
import type { BlobstoreCapabilities } from './blobstore-capabilities.js';
import type { BlobListOptions, BlobPresignOptions, BlobReadOptions, BlobWriteOptions } from './blobstore-contract.js';
import type { BlobDriverList } from './blobstore-driver.js';
import { BlobstoreError, type BlobstoreErrorCode } from './blobstore-errors.js';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, MAX_PRESIGN_MS, type BlobstoreLimits } from './blobstore-limits.js';
import { containerNameProblem, keyProblem } from './blobstore-names.js';

const CONTENT_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w!#$&^.+-]+=("[^"\\\r\n]*"|[\w!#$&^.+-]+))*$/;

/**
 * The argument checks of every blobstore call. Wrong JavaScript types throw `TypeError` (a
 * programming mistake); bad values come back as the `BlobstoreError` to return, `undefined`
 * when the argument is fine.
 */
export function blobstoreChecks(adapter: string, limits: BlobstoreLimits, capabilities: BlobstoreCapabilities) {
  const fail = (code: BlobstoreErrorCode, op: string, message: string, container?: string, key?: string) =>
    new BlobstoreError({
      code,
      message,
      adapter,
      op,
      ...(container === undefined ? {} : { container }),
      ...(key === undefined ? {} : { key }),
    });
  const text = (op: string, field: string, value: unknown) => {
    if (typeof value !== 'string')
      throw new TypeError(`blobstore.${op}: ${field} must be a string, got ${describeValue(value)}`);
  };
  const object = (op: string, field: string, value: unknown) => {
    if (typeof value !== 'object' || value === null) {
      throw new TypeError(`blobstore.${op}: ${field} must be an object, got ${describeValue(value)}`);
    }
  };
  const unsupported = (op: string, what: string, capability: keyof BlobstoreCapabilities) =>
    fail('UNSUPPORTED', op, `blobstore adapter '${adapter}' does not support ${what} (capability '${capability}')`);

  function container(op: string, name: unknown, field = 'container'): BlobstoreError | undefined {
    text(op, field, name);
    const problem = containerNameProblem(name as string);
    return problem ? fail('INVALID_KEY', op, `${field}: ${problem}`, name as string) : undefined;
  }

  function key(op: string, inContainer: unknown, candidate: unknown, field = 'key'): BlobstoreError | undefined {
    text(op, field, candidate);
    const problem = keyProblem(candidate as string, limits.maxKeyBytes);
    if (problem === undefined) return undefined;
    const code = problem.includes('maxKeyBytes') ? 'TOO_LARGE' : 'INVALID_KEY';
    return fail(code, op, `${field}: ${problem}`, inContainer as string, candidate as string);
  }

  const target = (op: string, c: unknown, k: unknown) => container(op, c) ?? key(op, c, k);

  function contentType(op: string, value: unknown): BlobstoreError | undefined {
    if (value === undefined) return undefined;
    text(op, 'contentType', value);
    return CONTENT_TYPE.test(value as string) && (value as string).length <= 255
      ? undefined
      : fail('INVALID_ARGUMENT', op, `contentType ${describeValue(value)} is not a media type such as 'text/csv'`);
  }

  function etag(op: string, value: unknown): BlobstoreError | undefined {
    if (value === undefined) return undefined;
    text(op, 'ifMatch', value);
    return (value as string).length > 0 && isWellFormed(value as string)
      ? undefined
      : fail('INVALID_ARGUMENT', op, 'ifMatch must be a non-empty etag');
  }

  const count = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

  return {
    container,
    key,
    target,

    read(c: unknown, k: unknown, options: BlobReadOptions): BlobstoreError | undefined {
      object('read', 'options', options);
      const problem = target('read', c, k) ?? etag('read', options.ifMatch);
      if (problem || options.range === undefined) return problem;
      object('read', 'options.range', options.range);
      const { offset, length } = options.range;
      if (!count(offset) || (length !== undefined && !count(length))) {
        return fail('INVALID_ARGUMENT', 'read', 'range offset and length must be integers ≥ 0');
      }
      return capabilities.ranges ? undefined : unsupported('read', 'byte ranges', 'ranges');
    },

    write(c: unknown, k: unknown, options: BlobWriteOptions): BlobstoreError | undefined {
      object('write', 'options', options);
      const problem =
        target('write', c, k) ?? contentType('write', options.contentType) ?? etag('write', options.ifMatch);
      if (problem) return problem;
      const { ttlMs, ifAbsent, ifMatch } = options;
      if (ttlMs !== undefined) {
        if (typeof ttlMs !== 'number')
          throw new TypeError(`blobstore.write: ttlMs must be a number, got ${describeValue(ttlMs)}`);
        if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
          return fail(
            'INVALID_ARGUMENT',
            'write',
            `ttlMs must be a positive integer, got ${ttlMs}`,
            c as string,
            k as string,
          );
        }
        if (!capabilities.expiry) return unsupported('write', 'expiry', 'expiry');
      }
      if (ifAbsent !== undefined && typeof ifAbsent !== 'boolean') {
        throw new TypeError(`blobstore.write: ifAbsent must be a boolean, got ${describeValue(ifAbsent)}`);
      }
      if (ifAbsent && ifMatch !== undefined) {
        return fail('INVALID_ARGUMENT', 'write', 'ifAbsent and ifMatch cannot both hold: pick one');
      }
      if ((ifAbsent || ifMatch !== undefined) && !capabilities.conditionalWrites) {
        return unsupported('write', 'conditional writes', 'conditionalWrites');
      }
      return undefined;
    },

    /** Checks list options and decodes the cursor: the driver's request, or the error to return. */
    list(c: unknown, options: BlobListOptions): BlobDriverList | BlobstoreError {
      object('list', 'options', options);
      const bad = container('list', c);
      if (bad) return bad;
      const { prefix = '', cursor, limit = DEFAULT_LIST_LIMIT } = options;
      text('list', 'prefix', prefix);
      if (cursor !== undefined) text('list', 'cursor', cursor);
      if (typeof limit !== 'number')
        throw new TypeError(`blobstore.list: limit must be a number, got ${describeValue(limit)}`);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        return fail('INVALID_ARGUMENT', 'list', `limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${limit}`);
      }
      if (!isWellFormed(prefix)) return fail('INVALID_KEY', 'list', 'prefix contains a lone surrogate');
      if (utf8Length(prefix) > limits.maxKeyBytes)
        return fail('TOO_LARGE', 'list', 'prefix is longer than maxKeyBytes');
      let after: string | undefined;
      if (cursor !== undefined) {
        after = decodeCursor(cursor);
        if (after === undefined || !after.startsWith(prefix)) {
          return fail('INVALID_CURSOR', 'list', 'cursor is malformed or belongs to another prefix');
        }
      }
      return { prefix, after, limit };
    },

    presign(c: unknown, k: unknown, options: BlobPresignOptions): BlobstoreError | undefined {
      object('presign', 'options', options);
      const problem = target('presign', c, k) ?? contentType('presign', options.contentType);
      if (problem) return problem;
      if (options.method !== 'get' && options.method !== 'put') {
        return fail(
          'INVALID_ARGUMENT',
          'presign',
          `method must be 'get' or 'put', got ${describeValue(options.method)}`,
        );
      }
      const ms = options.expiresInMs;
      if (!Number.isSafeInteger(ms) || ms < 1 || ms > MAX_PRESIGN_MS) {
        return fail(
          'INVALID_ARGUMENT',
          'presign',
          `expiresInMs must be an integer from 1 to ${MAX_PRESIGN_MS}, got ${describeValue(ms)}`,
        );
      }
      return capabilities.presignedUrls ? undefined : unsupported('presign', 'presigned URLs', 'presignedUrls');
    },
  };
}

export type BlobstoreChecks = ReturnType<typeof blobstoreChecks>;
