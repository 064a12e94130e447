import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobMetadata } from '@keel/core';
import { corruptMetadata, fsCode } from './fs-blobstore-errors.js';
import { blobName, type KeyLocation, metaName } from './key-paths.js';

/** What a `.meta` file holds: the object's metadata and which blob file is its content. */
export interface StoredMeta {
  readonly format: 1;
  readonly key: string;
  readonly size: number;
  readonly contentType: string;
  readonly etag: string;
  readonly createdAtMs: number;
  readonly expiresAtMs?: number;
  /** The write id in the blob's file name; unique per write, so no two writes share a blob file. */
  readonly blob: string;
}

export const metaPath = (at: KeyLocation) => join(at.dir, metaName(at.stem));
export const blobPath = (at: KeyLocation, writeId: string) => join(at.dir, blobName(at.stem, writeId));

/**
 * The `.meta` file of an object, or `undefined` when there is none. Writing it (by rename) is the
 * moment an object version becomes visible; removing it is the moment it goes.
 */
export async function readMeta(at: KeyLocation): Promise<StoredMeta | undefined> {
  const path = metaPath(at);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (thrown) {
    const code = fsCode(thrown);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw thrown;
  }
  let parsed: StoredMeta;
  try {
    parsed = JSON.parse(text) as StoredMeta;
  } catch (thrown) {
    throw corruptMetadata(path, (thrown as Error).message);
  }
  if (parsed?.format !== 1 || typeof parsed.blob !== 'string' || typeof parsed.etag !== 'string') {
    throw corruptMetadata(path, 'not a format-1 metadata record');
  }
  return parsed;
}

export function toMetadata(container: string, stored: StoredMeta): BlobMetadata {
  return {
    container,
    key: stored.key,
    size: stored.size,
    contentType: stored.contentType,
    etag: stored.etag,
    createdAtMs: stored.createdAtMs,
    expiresAtMs: stored.expiresAtMs,
  };
}
