import { BlobstoreError } from '@keel/core';

/** What the AWS SDK puts on a failed call: the S3 error code as `name`, the HTTP status in `$metadata`. */
interface SdkFailure {
  readonly name?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** The HTTP status of a failed S3 call, when it got one. */
export function statusOf(thrown: unknown): number | undefined {
  return (thrown as SdkFailure | null)?.$metadata?.httpStatusCode;
}

/** The S3 error code (`NoSuchKey`, `NoSuchBucket`, …) of a failed call. */
export function s3Code(thrown: unknown): string | undefined {
  const name = (thrown as SdkFailure | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

export const isMissingKey = (thrown: unknown) =>
  s3Code(thrown) === 'NoSuchKey' ||
  s3Code(thrown) === 'NotFound' ||
  (statusOf(thrown) === 404 && s3Code(thrown) !== 'NoSuchBucket');
export const isMissingBucket = (thrown: unknown) => s3Code(thrown) === 'NoSuchBucket';

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError']);

/**
 * The blobstore error for an S3 failure that has one: a missing bucket is `NOT_FOUND`, a refused
 * request `ACCESS_DENIED`, an unreachable store `CONNECTION`. Anything else is rethrown as it is
 * (core makes it `INTERNAL`, keeping it as the cause).
 *
 * @example
 * try { await client.send(command); } catch (thrown) { throw translate(thrown, bucket, key); }
 */
export function translate(thrown: unknown, container: string, key?: string): unknown {
  const context = { container, ...(key === undefined ? {} : { key }), cause: thrown };
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  if (thrown instanceof BlobstoreError) return thrown;
  if (isMissingBucket(thrown))
    return new BlobstoreError({ code: 'NOT_FOUND', message: `no container '${container}'`, ...context });
  if (statusOf(thrown) === 403 || s3Code(thrown) === 'AccessDenied') {
    return new BlobstoreError({ code: 'ACCESS_DENIED', message: `the store refused: ${message}`, ...context });
  }
  const code = (thrown as { code?: unknown } | null)?.code;
  if (NETWORK.has(String(code)) || NETWORK.has(String(s3Code(thrown)))) {
    return new BlobstoreError({ code: 'CONNECTION', message: `the store cannot be reached: ${message}`, ...context });
  }
  return thrown;
}
