import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobMetadata, Blobstore, BlobstoreLimits, Clock } from '@keel/core';
import { BlobstoreError } from '@keel/core';
import { compareKeys, defineBlobstore } from '@keel/core/adapter';

interface Stored {
  readonly metadata: BlobMetadata;
  readonly bytes: Buffer;
}

/**
 * The blobstore contract written as plainly as possible, to be the model in property tests:
 * objects in maps, every listing sorts everything, bodies read whole before anything changes.
 * Obviously right, deliberately slow. Etags are SHA-256 of the content.
 *
 * @example
 * const model = createReferenceBlobstore(new ManualClock());
 */
export function createReferenceBlobstore(clock: Clock, limits: Partial<BlobstoreLimits> = {}): Blobstore {
  let containers = new Map<string, Map<string, Stored>>();
  const container = (name: string) => {
    const found = containers.get(name);
    if (!found) throw new BlobstoreError({ code: 'NOT_FOUND', message: `no container '${name}'`, container: name });
    return found;
  };
  const put = (
    name: string,
    key: string,
    bytes: Buffer,
    meta: Omit<BlobMetadata, 'container' | 'key' | 'size' | 'etag'>,
  ) => {
    const metadata: BlobMetadata = {
      container: name,
      key,
      size: bytes.byteLength,
      etag: createHash('sha256').update(bytes).digest('hex'),
      ...meta,
    };
    container(name).set(key, { metadata, bytes });
    return metadata;
  };

  return defineBlobstore({
    adapter: 'reference',
    capabilities: { presignedUrls: false, ranges: true, expiry: true, conditionalWrites: true, persistent: false },
    limits,
    clock,
    close: () => void (containers = new Map()),
    createContainer: (name) => !containers.has(name) && Boolean(containers.set(name, new Map())),
    deleteContainer: (name) => containers.delete(name),
    containerExists: (name) => containers.has(name),
    stat: (name, key) => containers.get(name)?.get(key)?.metadata,
    read(name, key, range) {
      const found = container(name).get(key);
      if (!found) return undefined;
      const offset = range?.offset ?? 0;
      if (offset > found.metadata.size) {
        throw new BlobstoreError({
          code: 'INVALID_RANGE',
          message: `offset ${offset} is past the end (${found.metadata.size})`,
        });
      }
      const end = range?.length === undefined ? undefined : offset + range.length;
      return { metadata: found.metadata, body: Readable.from([found.bytes.subarray(offset, end)]) };
    },
    async write(name, key, body, options) {
      container(name);
      const chunks: Uint8Array[] = [];
      if (body instanceof Uint8Array) chunks.push(body);
      else for await (const chunk of body) chunks.push(chunk);
      const current = container(name).get(key);
      const live =
        current && (current.metadata.expiresAtMs === undefined || current.metadata.expiresAtMs > clock.now());
      if (options.ifAbsent && live) throw precondition(key, 'an object has the key');
      if (options.ifMatch !== undefined && (!live || current.metadata.etag !== options.ifMatch)) {
        throw precondition(key, `its etag is not ${options.ifMatch}`);
      }
      const { contentType, expiresAtMs, nowMs } = options;
      return put(name, key, Buffer.concat(chunks), { contentType, expiresAtMs, createdAtMs: nowMs });
    },
    list(name, { prefix, after, limit }) {
      return [...container(name).values()]
        .map((s) => s.metadata)
        .filter((m) => m.key.startsWith(prefix) && (after === undefined || compareKeys(m.key, after) > 0))
        .sort((a, b) => compareKeys(a.key, b.key))
        .slice(0, limit);
    },
    copy(name, key, toName, toKey, nowMs) {
      const found = container(name).get(key);
      container(toName);
      if (!found) return undefined;
      const { contentType, expiresAtMs } = found.metadata;
      return put(toName, toKey, found.bytes, { contentType, expiresAtMs, createdAtMs: nowMs });
    },
    delete: (name, key) => containers.get(name)?.delete(key) ?? false,
  });
}

function precondition(key: string, why: string): BlobstoreError {
  return new BlobstoreError({ code: 'PRECONDITION', message: `not written: ${why}`, key });
}
