import * as v from 'valibot';
import { integer, option } from '../options/option-schemas.js';

/** Size limits core enforces on every kv call. */
export interface KvLimits {
  /** Longest key, in UTF-8 bytes. @default 1024 */
  readonly maxKeyBytes: number;
  /** Largest value, in bytes (UTF-8 for text). @default 8388608 (8 MiB) */
  readonly maxValueBytes: number;
  /** Most keys or entries in one `getMany`, `setMany` or `deleteMany`. @default 10000 */
  readonly maxBatchSize: number;
}

export const defaultKvLimits: KvLimits = Object.freeze({
  maxKeyBytes: 1024,
  maxValueBytes: 8 * 1024 * 1024,
  maxBatchSize: 10_000,
});

export const MAX_SCAN_LIMIT = 10_000;
export const DEFAULT_SCAN_LIMIT = 100;

const maxLimit = 2 ** 31 - 1;

/**
 * The `limits` option every kv adapter accepts, with the defaults above: spread it into the
 * adapter's options schema.
 *
 * @example
 * const myKvOptions = v.strictObject({ location: required(text(), 'The folder.'), limits: kvLimitsOption });
 */
export const kvLimitsOption = option(
  v.strictObject({
    maxKeyBytes: option(integer(1, maxLimit), {
      default: defaultKvLimits.maxKeyBytes,
      description: 'Longest key, in UTF-8 bytes.',
    }),
    maxValueBytes: option(integer(1, maxLimit), {
      default: defaultKvLimits.maxValueBytes,
      description: 'Largest value, in bytes (UTF-8 for text).',
    }),
    maxBatchSize: option(integer(1, maxLimit), {
      default: defaultKvLimits.maxBatchSize,
      description: 'Most keys or entries in one `getMany`, `setMany` or `deleteMany`.',
    }),
  }),
  { default: {}, description: 'Size limits core enforces on every call.' },
);
