import type { Readable } from 'node:stream';
import type { Clock } from '../lifecycle/clock.js';
import type { HealthDetail } from '../lifecycle/health.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import type { BlobstoreDriverCapabilities } from './blobstore-capabilities.js';
import type { BlobByteRange, BlobMetadata, BlobPresignOptions } from './blobstore-contract.js';
import type { BlobstoreLimits } from './blobstore-limits.js';

/** A write as a driver sees it: options checked, the expiry turned into a time. */
export interface BlobDriverWrite {
  /** Always set: core fills in `application/octet-stream`. */
  readonly contentType: string;
  /** When the object expires (ms since the epoch), to be kept in its metadata. */
  readonly expiresAtMs: number | undefined;
  /** Commit only if the current object's etag is this one; else throw `PRECONDITION`. */
  readonly ifMatch: string | undefined;
  /** Commit only if no object has the key; else throw `PRECONDITION`. */
  readonly ifAbsent: boolean;
  /** When it was written: the `createdAtMs` to keep (core's clock, so tests can move it). */
  readonly nowMs: number;
}

/** A listing request as a driver sees it: the cursor decoded into the last key returned. */
export interface BlobDriverList {
  readonly prefix: string;
  /** Continue strictly after this key; `undefined` starts at the prefix. */
  readonly after: string | undefined;
  /** Return at most this many objects, in ascending key order (UTF-8 bytes), expired ones included. */
  readonly limit: number;
}

/**
 * What a blobstore adapter implements. Core validates every argument before calling it (names
 * and keys are safe, sizes within limits), enforces the lifecycle, hides expired objects, checks
 * `ifMatch` on reads and turns throws into `Err` values. A driver throws a `BlobstoreError` for
 * an expected failure (`NOT_FOUND` for a missing container, `PRECONDITION`) and anything else
 * for an unexpected one (which becomes `INTERNAL`).
 *
 * `write` gets the body as bytes or as chunks; the chunks throw `TOO_LARGE` once the object
 * passes `maxObjectBytes`, and a write whose body throws must leave nothing visible.
 */
export interface BlobstoreDriver {
  readonly adapter: string;
  readonly capabilities: BlobstoreDriverCapabilities;
  /** Limits this store enforces; core checks them on every call. */
  readonly limits?: Partial<BlobstoreLimits>;
  /** Where expiry times come from. @default systemClock */
  readonly clock?: Clock;
  /** Called once before the first operation; after a failure, called again on the next call. */
  open?(): MaybePromise<void>;
  /** Called once, only after a successful `open`, when no call is in flight. */
  close?(): MaybePromise<void>;
  /** Does a cheap real operation; throws when unhealthy. */
  health?(): MaybePromise<HealthDetail>;

  createContainer(name: string): MaybePromise<boolean>;
  deleteContainer(name: string): MaybePromise<boolean>;
  containerExists(name: string): MaybePromise<boolean>;
  /** `undefined` for a missing object or container. */
  stat(container: string, key: string): MaybePromise<BlobMetadata | undefined>;
  /**
   * The object's metadata and a stream of `range` (already checked against `capabilities.ranges`,
   * but not against the size: throw `INVALID_RANGE` when `offset` is past the end);
   * `undefined` for a missing object; throw `NOT_FOUND` for a missing container.
   */
  read(
    container: string,
    key: string,
    range: BlobByteRange | undefined,
  ): MaybePromise<{ readonly metadata: BlobMetadata; readonly body: Readable } | undefined>;
  write(
    container: string,
    key: string,
    body: Uint8Array | AsyncIterable<Uint8Array>,
    options: BlobDriverWrite,
  ): MaybePromise<BlobMetadata>;
  list(container: string, request: BlobDriverList): MaybePromise<readonly BlobMetadata[]>;
  /** `undefined` when the source object is missing; throw `NOT_FOUND` for a missing container. */
  copy(
    container: string,
    key: string,
    toContainer: string,
    toKey: string,
    nowMs: number,
  ): MaybePromise<BlobMetadata | undefined>;
  delete(container: string, key: string): MaybePromise<boolean>;
  /** Required when `capabilities.presignedUrls`. */
  presign?(container: string, key: string, options: BlobPresignOptions): MaybePromise<string>;
}
