import { BlobstoreError } from '@keel/core';

/** The store's folder cannot be used: missing (with `createIfMissing: false`), unreadable, or another format. */
export function storeUnavailable(root: string, why: string, cause?: unknown): BlobstoreError {
  return new BlobstoreError({
    code: 'CONNECTION',
    message: `blobstore folder '${root}' ${why}`,
    ...(cause === undefined ? {} : { cause }),
  });
}

export function noContainer(container: string): BlobstoreError {
  return new BlobstoreError({ code: 'NOT_FOUND', message: `no container '${container}'`, container });
}

export function notWritten(container: string, key: string, why: string): BlobstoreError {
  return new BlobstoreError({ code: 'PRECONDITION', message: `'${key}' was not written: ${why}`, container, key });
}

export function pastTheEnd(key: string, offset: number, size: number): BlobstoreError {
  return new BlobstoreError({
    code: 'INVALID_RANGE',
    message: `range offset ${offset} is past the end of '${key}' (${size} bytes)`,
    key,
  });
}

/** A metadata file that does not parse: reported with its path, never guessed at. */
export function corruptMetadata(path: string, why: string): BlobstoreError {
  return new BlobstoreError({ code: 'INTERNAL', message: `metadata file '${path}' cannot be read: ${why}` });
}

/** The error code Node put on a failed file system call (`ENOENT`, `EEXIST`, …). */
export function fsCode(thrown: unknown): string | undefined {
  const code = (thrown as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
