import type { Blobstore, BlobstoreError } from '@keel/core';
import { ResultAsync, errAsync, okAsync } from '@keel/core';
import { type RegistryError, registryError } from './registry-errors.js';

/** Where component bytes live when a blobstore is configured: `container`, one object per sha256. */
export interface RegistryBlobstore {
  readonly store: Blobstore;
  readonly container: string;
}

/**
 * Component bytes in a blobstore, content-addressed: `<table>/<sha256>` in the container, so
 * registries with different tables can share one. Writing the same bytes twice writes the same
 * object; the database row keeps only the hash and the size.
 */
export function blobHome(table: string, home: RegistryBlobstore) {
  const { store, container } = home;
  const key = (sha256: string) => `${table}/${sha256}`;
  const failed = (op: string) => (e: BlobstoreError) =>
    registryError('UNAVAILABLE', op, `${op}: the component blobstore failed: ${e.message}`, e);

  return {
    put(sha256: string, bytes: Uint8Array): ResultAsync<void, RegistryError> {
      return store
        .write(container, key(sha256), bytes, { contentType: 'application/wasm' })
        .map(() => undefined)
        .mapErr(failed('upload'));
    },

    /**
     * The object's bytes, `undefined` when there is none. Reads at most `size + 1` bytes: an
     * object longer than its row says is not read whole into memory (and fails its hash anyway).
     */
    get(op: string, sha256: string, size: number): ResultAsync<Uint8Array | undefined, RegistryError> {
      return store
        .read(container, key(sha256))
        .orElse((e) => (e.code === 'NOT_FOUND' ? okAsync(undefined) : errAsync(e)))
        .mapErr(failed(op))
        .andThen((object) => {
          if (!object) return okAsync(undefined);
          return ResultAsync.fromPromise(collect(object.body, size + 1), (cause) =>
            registryError('UNAVAILABLE', op, `${op}: the component blobstore failed while reading`, cause),
          );
        });
    },

    /** Deletes the object; a failure leaves an orphan, which costs space but serves nothing. */
    remove(sha256: string): ResultAsync<void, never> {
      return ResultAsync.fromSafePromise(store.delete(container, key(sha256)).then(() => undefined));
    },
  };
}

export type BlobHome = ReturnType<typeof blobHome>;

async function collect(body: AsyncIterable<Uint8Array>, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    total += chunk.byteLength;
    if (total >= max) break;
  }
  return Buffer.concat(chunks, Math.min(total, max));
}
