import type { Readable } from 'node:stream';
import type { ResultAsync } from 'neverthrow';
import type { AdapterLifecycle } from '../lifecycle/health.js';
import type { BlobstoreCapabilities } from './blobstore-capabilities.js';
import type { BlobstoreError } from './blobstore-errors.js';

/** WIT `blobstore.object-metadata`. */
export interface BlobMetadata {
  readonly container: string;
  readonly key: string;
  /** Bytes in the object. */
  readonly size: number;
  /** The media type given when it was written; `application/octet-stream` when none was. */
  readonly contentType: string;
  /** Changes whenever the content does; compare it, never parse it. */
  readonly etag: string;
  /** When this version was written, in ms since the epoch. */
  readonly createdAtMs: number;
  /** When the object expires, in ms since the epoch; `undefined` when it never does. */
  readonly expiresAtMs: number | undefined;
}

/** WIT `blobstore.byte-range`: `length` bytes from `offset` (to the end when omitted). */
export interface BlobByteRange {
  readonly offset: number;
  readonly length?: number;
}

/** WIT `blobstore.read-options`. */
export interface BlobReadOptions {
  /** Only these bytes (capability `ranges`). */
  readonly range?: BlobByteRange;
  /** Read only if the object's etag is this one, else `PRECONDITION`. */
  readonly ifMatch?: string;
}

/** WIT `blobstore.write-options`. */
export interface BlobWriteOptions {
  /** The media type kept with the object. @default 'application/octet-stream' */
  readonly contentType?: string;
  /** The object expires this many ms after the write (capability `expiry`). */
  readonly ttlMs?: number;
  /** Write only if the current object's etag is this one, else `PRECONDITION` (capability `conditionalWrites`). */
  readonly ifMatch?: string;
  /** Write only if no object has the key, else `PRECONDITION` (capability `conditionalWrites`). @default false */
  readonly ifAbsent?: boolean;
}

/** WIT `blobstore.list-options`; every field is optional on the TypeScript side. */
export interface BlobListOptions {
  /** Only keys starting with this prefix. @default '' */
  readonly prefix?: string;
  /** The `cursor` of the previous page. */
  readonly cursor?: string;
  /** At most this many objects, 1 to 1000. @default 100 */
  readonly limit?: number;
  /** Also list objects past their expiry, for the job that deletes them. @default false */
  readonly includeExpired?: boolean;
}

/** WIT `blobstore.list-page`. */
export interface BlobListPage {
  /** In ascending key order (UTF-8 bytes). */
  readonly objects: readonly BlobMetadata[];
  /** Pass to the next `list` to continue; `undefined` when the listing is complete. */
  readonly cursor: string | undefined;
}

/** WIT `blobstore.presign-method`. */
export type BlobPresignMethod = 'get' | 'put';

/** WIT `blobstore.presign-options`. */
export interface BlobPresignOptions {
  readonly method: BlobPresignMethod;
  /** How long the URL works, in ms (1 to 604800000, seven days). */
  readonly expiresInMs: number;
  /** For `put`: the media type the upload must declare. */
  readonly contentType?: string;
}

/**
 * What `write` takes: bytes, text (written as UTF-8), or any async iterable of byte chunks — a
 * Node `Readable`, a web `ReadableStream`, an async generator.
 */
export type BlobBody = Uint8Array | string | AsyncIterable<Uint8Array>;

/**
 * An object being read (WIT `incoming-value`): the metadata of the version read and its bytes
 * as a Node `Readable`. A failure after the read began (a dropped connection) is an `error`
 * event on the stream, as with any Node stream.
 */
export interface BlobObject {
  readonly metadata: BlobMetadata;
  readonly body: Readable;
}

/**
 * The operations of WIT interface `keel:infrastructure/blobstore`, name for name. A test
 * compares this interface with the WIT and fails when they drift. The WIT streams through its
 * `incoming-value` and `outgoing-value` resources; here `read` gives a `Readable` and `write`
 * takes the body as an argument.
 *
 * List guarantee: pages come in ascending key order (UTF-8 bytes); resuming from a cursor
 * continues strictly after the last key returned, so no key appears twice and every key that
 * exists for the whole listing appears once.
 */
export interface BlobstoreOperations {
  /** `true` when it was created, `false` when it already existed. */
  createContainer(name: string): ResultAsync<boolean, BlobstoreError>;
  /** Deletes the container and every object in it; `true` when it existed. */
  deleteContainer(name: string): ResultAsync<boolean, BlobstoreError>;
  containerExists(name: string): ResultAsync<boolean, BlobstoreError>;
  /** `undefined` when there is no such object (or it has expired). */
  stat(container: string, key: string): ResultAsync<BlobMetadata | undefined, BlobstoreError>;
  read(container: string, key: string, options?: BlobReadOptions): ResultAsync<BlobObject, BlobstoreError>;
  /** Streams `body` in; the object becomes visible whole when it is all written, or not at all. */
  write(
    container: string,
    key: string,
    body: BlobBody,
    options?: BlobWriteOptions,
  ): ResultAsync<BlobMetadata, BlobstoreError>;
  list(container: string, options?: BlobListOptions): ResultAsync<BlobListPage, BlobstoreError>;
  /** Copies content, content type and expiry to another key, possibly in another container. */
  copy(container: string, key: string, toContainer: string, toKey: string): ResultAsync<BlobMetadata, BlobstoreError>;
  /** `true` when the object existed. */
  delete(container: string, key: string): ResultAsync<boolean, BlobstoreError>;
  exists(container: string, key: string): ResultAsync<boolean, BlobstoreError>;
  /** A URL that reads or writes one object without credentials until it expires (capability `presignedUrls`). */
  presign(container: string, key: string, options: BlobPresignOptions): ResultAsync<string, BlobstoreError>;
}

/**
 * A blobstore as callers get it: the contract operations, guarded by core, plus lifecycle.
 *
 * @example
 * const files = keel.blobstore;
 * await files.createContainer('exports');
 * await files.write('exports', '2026/report.csv', 'id,total\n1,42\n', { contentType: 'text/csv' });
 * const object = (await files.read('exports', '2026/report.csv'))._unsafeUnwrap();
 * object.body.pipe(response);
 */
export interface Blobstore extends BlobstoreOperations, AdapterLifecycle<BlobstoreError> {
  readonly capabilities: BlobstoreCapabilities;
}
