import type { OptionsReader } from '../config/options-reader.js';

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

/**
 * Reads the `limits` field every kv adapter accepts, with the defaults above.
 *
 * @example
 * const o = readOptions('createMyKv', options);
 * const limits = readKvLimits(o.nested('limits'));
 */
export function readKvLimits(o: OptionsReader): KvLimits {
  const max = 2 ** 31 - 1;
  const limits: KvLimits = {
    maxKeyBytes: o.integer('maxKeyBytes', defaultKvLimits.maxKeyBytes, { min: 1, max }),
    maxValueBytes: o.integer('maxValueBytes', defaultKvLimits.maxValueBytes, { min: 1, max }),
    maxBatchSize: o.integer('maxBatchSize', defaultKvLimits.maxBatchSize, { min: 1, max }),
  };
  o.done();
  return limits;
}
