import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobMetadata, Blobstore } from '@keel/core';
import { BlobstoreError } from '@keel/core';
import { type BlobstoreDriver, defineAdapter, defineBlobstore, parseOptions } from '@keel/core/adapter';
import { isMissingBucket, isMissingKey, s3Code, statusOf, translate } from './s3-blobstore-errors.js';
import {
  type ResolvedS3BlobstoreOptions,
  type S3BlobstoreOptions,
  s3BlobstoreOptions,
} from './s3-blobstore-options.js';
import { expiresOf, plainEtag, type S3ObjectHead, toMetadata, userMetadata } from './s3-metadata.js';

/** Objects whose metadata `list` fetches at once (S3 lists keys and sizes, not content types). */
const HEAD_CONCURRENCY = 8;

/**
 * The blobstore contract on any S3-compatible store, through `@aws-sdk/client-s3`. A container
 * is a bucket (named `bucketPrefix` + container); writes of bytes are one `PutObject`, streamed
 * writes go through `@aws-sdk/lib-storage` (one request when small, a multipart upload that is
 * aborted on failure when large), so an object appears whole or not at all. Presigned URLs come
 * from `@aws-sdk/s3-request-presigner`.
 *
 * @example
 * import { createS3Blobstore } from '@keel/adapter-blobstore-s3';
 * const files = createS3Blobstore({ region: 'eu-west-1', bucketPrefix: 'myapp-' });
 * const url = (await files.presign('exports', 'report.csv', { method: 'get', expiresInMs: 600_000 }))._unsafeUnwrap();
 */
export function createS3Blobstore(options: S3BlobstoreOptions = {}): Blobstore {
  return buildS3Blobstore(parseOptions(s3BlobstoreOptions, options, 'createS3Blobstore'));
}

/**
 * Registers the adapter as `s3`, so that config can choose it.
 *
 * @example
 * const keel = await createKeel({ blobstore: { adapter: 's3', options: { region: 'eu-west-1' } } }, { adapters: [s3BlobstoreAdapter] });
 */
export const s3BlobstoreAdapter = defineAdapter({
  interface: 'blobstore',
  id: 's3',
  package: '@keel/adapter-blobstore-s3',
  options: s3BlobstoreOptions,
  create: (options) => buildS3Blobstore(options),
});

function buildS3Blobstore(options: ResolvedS3BlobstoreOptions): Blobstore {
  const { region, endpoint, forcePathStyle, credentials, bucketPrefix, partSizeBytes, limits, clock } = options;
  const bucket = (container: string) => bucketPrefix + container;
  let client!: S3Client;

  /** Runs an S3 call, turning the failures that have a blobstore code into that code. */
  async function send<T>(container: string, key: string | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (thrown) {
      throw translate(thrown, container, key);
    }
  }

  async function head(container: string, key: string): Promise<S3ObjectHead | undefined> {
    try {
      return await client.send(new HeadObjectCommand({ Bucket: bucket(container), Key: key }));
    } catch (thrown) {
      if (isMissingKey(thrown) || isMissingBucket(thrown)) return undefined;
      throw translate(thrown, container, key);
    }
  }

  async function bucketExists(container: string): Promise<boolean> {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket(container) }));
      return true;
    } catch (thrown) {
      if (statusOf(thrown) === 404 || isMissingBucket(thrown)) return false;
      throw translate(thrown, container);
    }
  }

  const driver: BlobstoreDriver = {
    adapter: 's3',
    capabilities: { presignedUrls: true, ranges: true, expiry: true, conditionalWrites: false, persistent: true },
    limits,
    clock,

    open() {
      client = new S3Client({
        region,
        forcePathStyle,
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(credentials === undefined ? {} : { credentials }),
      });
    },
    close: () => client.destroy(),
    health: async () => {
      await send('', undefined, () => client.send(new ListBucketsCommand({ MaxBuckets: 1 })));
      return { region, ...(endpoint === undefined ? {} : { endpoint }) };
    },

    async createContainer(name) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket(name) }));
        return true;
      } catch (thrown) {
        const code = s3Code(thrown);
        if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') return false;
        throw translate(thrown, name);
      }
    },

    async deleteContainer(name) {
      if (!(await bucketExists(name))) return false;
      // A bucket must be empty to be deleted: its objects go first, a thousand per request.
      for (;;) {
        const page = await send(name, undefined, () =>
          client.send(new ListObjectsV2Command({ Bucket: bucket(name), MaxKeys: 1000 })),
        );
        const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key as string }));
        if (keys.length === 0) break;
        await send(name, undefined, () =>
          client.send(new DeleteObjectsCommand({ Bucket: bucket(name), Delete: { Objects: keys, Quiet: true } })),
        );
      }
      await send(name, undefined, () => client.send(new DeleteBucketCommand({ Bucket: bucket(name) })));
      return true;
    },

    containerExists: (name) => bucketExists(name),

    async stat(container, key) {
      const found = await head(container, key);
      return found && toMetadata(container, key, found);
    },

    async read(container, key, range) {
      const offset = range?.offset ?? 0;
      const wanted = range?.length;
      // An empty range has no HTTP form (`bytes=5-4`): the metadata alone answers it.
      if (wanted === 0) return emptyRead(container, key, offset);
      const rangeHeader =
        range === undefined ? undefined : `bytes=${offset}-${wanted === undefined ? '' : offset + wanted - 1}`;
      try {
        const got = await client.send(
          new GetObjectCommand({ Bucket: bucket(container), Key: key, ...(rangeHeader ? { Range: rangeHeader } : {}) }),
        );
        const total = Number(/\/(\d+)$/.exec(got.ContentRange ?? '')?.[1] ?? got.ContentLength ?? 0);
        return { metadata: toMetadata(container, key, got, total), body: got.Body as Readable };
      } catch (thrown) {
        if (isMissingKey(thrown)) return undefined;
        // 416: the range starts at or past the end; at the end exactly is an empty read.
        if (statusOf(thrown) === 416 || s3Code(thrown) === 'InvalidRange') return emptyRead(container, key, offset);
        throw translate(thrown, container, key);
      }
    },

    async write(container, key, body, { contentType, expiresAtMs, nowMs }) {
      const common = {
        Bucket: bucket(container),
        Key: key,
        ContentType: contentType,
        Metadata: userMetadata(nowMs, expiresAtMs),
      };
      if (body instanceof Uint8Array) {
        const put = await send(container, key, () =>
          client.send(new PutObjectCommand({ ...common, Body: body, ContentLength: body.byteLength })),
        );
        return metadataOf(container, key, body.byteLength, put.ETag, contentType, nowMs, expiresAtMs);
      }
      let size = 0;
      // What the body threw (TOO_LARGE, a broken upload): that is the failure to report, even
      // when aborting the multipart upload afterwards fails too (s3rver has no AbortMultipartUpload).
      let bodyFailure: unknown;
      const counted = Readable.from(
        (async function* () {
          try {
            for await (const chunk of body) {
              size += chunk.byteLength;
              yield chunk;
            }
          } catch (thrown) {
            bodyFailure = thrown;
            throw thrown;
          }
        })(),
      );
      const upload = new Upload({
        client,
        params: { ...common, Body: counted },
        partSize: partSizeBytes,
        queueSize: 2,
        leavePartsOnError: false,
      });
      const done = await send(container, key, () => upload.done()).catch((thrown: unknown) => {
        throw bodyFailure ?? thrown;
      });
      return metadataOf(container, key, size, done.ETag, contentType, nowMs, expiresAtMs);
    },

    async list(container, { prefix, after, limit }) {
      const page = await send(container, undefined, () =>
        client.send(
          new ListObjectsV2Command({
            Bucket: bucket(container),
            Prefix: prefix,
            MaxKeys: limit,
            ...(after === undefined ? {} : { StartAfter: after }),
          }),
        ),
      );
      const keys = (page.Contents ?? []).map((o) => o.Key as string);
      const found: (BlobMetadata | undefined)[] = new Array(keys.length);
      for (let i = 0; i < keys.length; i += HEAD_CONCURRENCY) {
        await Promise.all(
          keys.slice(i, i + HEAD_CONCURRENCY).map(async (key, j) => {
            const h = await head(container, key);
            found[i + j] = h && toMetadata(container, key, h);
          }),
        );
      }
      // A key deleted between the listing and its head is simply not listed.
      return found.filter((m): m is BlobMetadata => m !== undefined);
    },

    async copy(container, key, toContainer, toKey, nowMs) {
      const source = await head(container, key);
      if (!source) {
        if (!(await bucketExists(container))) throw translate({ name: 'NoSuchBucket' }, container, key);
        return undefined;
      }
      const expiresAtMs = expiresOf(source);
      const copied = await send(toContainer, toKey, () =>
        client.send(
          new CopyObjectCommand({
            Bucket: bucket(toContainer),
            Key: toKey,
            CopySource: `${bucket(container)}/${key.split('/').map(encodeURIComponent).join('/')}`,
            // The version headed is the version copied (content type and expiry belong to it).
            CopySourceIfMatch: source.ETag,
            MetadataDirective: 'REPLACE',
            ContentType: source.ContentType,
            Metadata: userMetadata(nowMs, expiresAtMs),
          }),
        ),
      );
      const contentType = source.ContentType ?? 'application/octet-stream';
      return metadataOf(
        toContainer,
        toKey,
        source.ContentLength ?? 0,
        copied.CopyObjectResult?.ETag,
        contentType,
        nowMs,
        expiresAtMs,
      );
    },

    async delete(container, key) {
      if (!(await head(container, key))) return false;
      await send(container, key, () => client.send(new DeleteObjectCommand({ Bucket: bucket(container), Key: key })));
      return true;
    },

    presign(container, key, { method, expiresInMs, contentType }) {
      const target = { Bucket: bucket(container), Key: key };
      const command =
        method === 'get'
          ? new GetObjectCommand(target)
          : new PutObjectCommand({ ...target, ...(contentType === undefined ? {} : { ContentType: contentType }) });
      return getSignedUrl(client, command, { expiresIn: Math.ceil(expiresInMs / 1000) });
    },
  };

  async function emptyRead(container: string, key: string, offset: number) {
    const found = await head(container, key);
    if (!found) {
      if (!(await bucketExists(container))) throw translate({ name: 'NoSuchBucket' }, container, key);
      return undefined;
    }
    const metadata = toMetadata(container, key, found);
    if (offset > metadata.size) {
      throw new BlobstoreError({
        code: 'INVALID_RANGE',
        message: `range offset ${offset} is past the end of '${key}' (${metadata.size} bytes)`,
        key,
      });
    }
    return { metadata, body: Readable.from([]) };
  }

  return defineBlobstore(driver);
}

function metadataOf(
  container: string,
  key: string,
  size: number,
  etag: string | undefined,
  contentType: string,
  createdAtMs: number,
  expiresAtMs: number | undefined,
): BlobMetadata {
  return { container, key, size, contentType, etag: plainEtag(etag), createdAtMs, expiresAtMs };
}
