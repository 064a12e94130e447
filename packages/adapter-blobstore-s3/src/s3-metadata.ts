import type { BlobMetadata } from '@keel/core';

/** User metadata keys (sent as `x-amz-meta-*`): core's clock times, which S3 itself does not keep. */
const CREATED = 'keel-created';
const EXPIRES = 'keel-expires';

/** The parts of an S3 head or get response the metadata comes from. */
export interface S3ObjectHead {
  readonly ContentLength?: number;
  readonly ContentType?: string;
  readonly ETag?: string;
  readonly LastModified?: Date;
  readonly Metadata?: Record<string, string>;
}

/** The `Metadata` to send with a write: when it was written and when it expires. */
export function userMetadata(createdAtMs: number, expiresAtMs: number | undefined): Record<string, string> {
  return { [CREATED]: String(createdAtMs), ...(expiresAtMs === undefined ? {} : { [EXPIRES]: String(expiresAtMs) }) };
}

/** An S3 etag without its quotes: `"5d41…"` → `5d41…`. */
export const plainEtag = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');

export function toMetadata(
  container: string,
  key: string,
  head: S3ObjectHead,
  size = head.ContentLength ?? 0,
): BlobMetadata {
  const created = Number(head.Metadata?.[CREATED]);
  const expires = head.Metadata?.[EXPIRES];
  return {
    container,
    key,
    size,
    contentType: head.ContentType ?? 'application/octet-stream',
    etag: plainEtag(head.ETag),
    // An object written by another tool has no Keel times: its Last-Modified stands in.
    createdAtMs: Number.isSafeInteger(created) ? created : (head.LastModified?.getTime() ?? 0),
    expiresAtMs: expires === undefined ? undefined : Number(expires),
  };
}

/** The expiry kept on an object, to carry over in a copy. */
export function expiresOf(head: S3ObjectHead): number | undefined {
  const expires = head.Metadata?.[EXPIRES];
  return expires === undefined ? undefined : Number(expires);
}
