import type {
  BlobListOptions,
  BlobMetadata,
  BlobPresignOptions,
  BlobReadOptions,
  BlobWriteOptions,
  BlobstoreError,
} from '@keel/core';
import { witCase, type WitError } from '../imports/binding.js';

/** WIT `blobstore.object-metadata` as jco represents it. */
export interface WitObjectMetadata {
  readonly container: string;
  readonly key: string;
  readonly size: bigint;
  readonly contentType: string;
  readonly etag: string;
  readonly createdAtMs: bigint;
  readonly expiresAtMs: bigint | undefined;
}

export interface WitReadOptions {
  readonly range?: { readonly offset: bigint; readonly length?: bigint };
  readonly ifMatch?: string;
}

export interface WitWriteOptions {
  readonly contentType?: string;
  readonly ttlMs?: bigint;
  readonly ifMatch?: string;
  readonly ifAbsent: boolean;
}

export interface WitListOptions {
  readonly prefix: string;
  readonly cursor?: string;
  readonly limit: number;
  readonly includeExpired: boolean;
}

export interface WitPresignOptions {
  readonly method: 'get' | 'put';
  readonly expiresInMs: bigint;
  readonly contentType?: string;
}

export function blobMetadataToWit(m: BlobMetadata): WitObjectMetadata {
  return {
    container: m.container,
    key: m.key,
    size: BigInt(m.size),
    contentType: m.contentType,
    etag: m.etag,
    createdAtMs: BigInt(m.createdAtMs),
    expiresAtMs: m.expiresAtMs === undefined ? undefined : BigInt(m.expiresAtMs),
  };
}

// A u64 past 2^53 is out of every range core accepts: it stays out, rather than rounding into one.
const num = (value: bigint): number => (value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_VALUE : Number(value));

export function readOptionsFromWit(o: WitReadOptions): BlobReadOptions {
  return {
    ...(o.range
      ? {
          range: {
            offset: num(o.range.offset),
            ...(o.range.length === undefined ? {} : { length: num(o.range.length) }),
          },
        }
      : {}),
    ...(o.ifMatch === undefined ? {} : { ifMatch: o.ifMatch }),
  };
}

export function writeOptionsFromWit(o: WitWriteOptions): BlobWriteOptions {
  return {
    ...(o.contentType === undefined ? {} : { contentType: o.contentType }),
    ...(o.ttlMs === undefined ? {} : { ttlMs: num(o.ttlMs) }),
    ...(o.ifMatch === undefined ? {} : { ifMatch: o.ifMatch }),
    ifAbsent: o.ifAbsent,
  };
}

export function listOptionsFromWit(o: WitListOptions): BlobListOptions {
  return {
    prefix: o.prefix,
    ...(o.cursor === undefined ? {} : { cursor: o.cursor }),
    limit: o.limit,
    includeExpired: o.includeExpired,
  };
}

export function presignOptionsFromWit(o: WitPresignOptions): BlobPresignOptions {
  return {
    method: o.method,
    expiresInMs: num(o.expiresInMs),
    ...(o.contentType === undefined ? {} : { contentType: o.contentType }),
  };
}

/** A blobstore failure as the guest's `error` case. */
export function blobstoreErrorToWit(error: BlobstoreError): WitError {
  return { tag: witCase(error.code), val: error.message };
}
