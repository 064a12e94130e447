import * as v from 'valibot';
import { integer, option } from '../options/option-schemas.js';

/** Size limits core enforces on every blobstore call. */
export interface BlobstoreLimits {
  /** Longest key, in UTF-8 bytes. @default 1024 */
  readonly maxKeyBytes: number;
  /** Largest object, in bytes; a write past it is `TOO_LARGE` and leaves nothing behind. @default 5368709120 (5 GiB) */
  readonly maxObjectBytes: number;
}

export const defaultBlobstoreLimits: BlobstoreLimits = Object.freeze({
  maxKeyBytes: 1024,
  maxObjectBytes: 5 * 1024 ** 3,
});

export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_LIST_LIMIT = 100;
/** Presigned URLs live at most seven days (S3's own limit for signature version 4). */
export const MAX_PRESIGN_MS = 7 * 24 * 3_600_000;

/**
 * The `limits` option every blobstore adapter accepts, with the defaults above: spread it into
 * the adapter's options schema.
 *
 * @example
 * const myOptions = v.strictObject({ root: required(text(), 'The folder.'), limits: blobstoreLimitsOption });
 */
export const blobstoreLimitsOption = option(
  v.strictObject({
    maxKeyBytes: option(integer(1, 1024), {
      default: defaultBlobstoreLimits.maxKeyBytes,
      description: 'Longest key, in UTF-8 bytes (at most 1024, the S3 limit).',
    }),
    maxObjectBytes: option(integer(0, Number.MAX_SAFE_INTEGER), {
      default: defaultBlobstoreLimits.maxObjectBytes,
      description: 'Largest object, in bytes; a larger write is `TOO_LARGE` and leaves nothing behind.',
      defaultText: '5368709120 (5 GiB)',
    }),
  }),
  { default: {}, description: 'Size limits core enforces on every call.' },
);
