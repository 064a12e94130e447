import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BlobMetadata, Blobstore } from '@keel/core';
import {
  type BlobDriverWrite,
  type BlobstoreDriver,
  defineAdapter,
  defineBlobstore,
  parseOptions,
} from '@keel/core/adapter';
import { moveIntoPlace, randomName, syncDir, type TempFile, writeTemp, writeTempText } from './atomic-file.js';
import { fsCode, noContainer, notWritten, pastTheEnd, storeUnavailable } from './fs-blobstore-errors.js';
import {
  type FsBlobstoreOptions,
  fsBlobstoreOptions,
  type ResolvedFsBlobstoreOptions,
} from './fs-blobstore-options.js';
import { KeyLock } from './key-lock.js';
import { keyLocation } from './key-paths.js';
import { listKeys } from './listing.js';
import { blobPath, metaPath, readMeta, type StoredMeta, toMetadata } from './object-files.js';
import { closeDescriptor, openForReading, readBody } from './read-body.js';

const FORMAT_FILE = '.keel-blobstore.json';
const TMP = '.tmp';
/** Temp files older than this are a crashed writer's and are removed on open; younger ones may be another process's. */
const STALE_TEMP_MS = 3_600_000;
/** A reader that finds the blob replaced between reading the metadata and opening it tries again, this often. */
const READ_RETRIES = 8;

/**
 * The blobstore contract in a folder: one sub-folder per container, each object a metadata file
 * beside a content file. Writes stream to a temp file, are flushed, and become visible by one
 * atomic rename of the metadata file, so a reader — or a process started after a crash — sees
 * an object whole or not at all. Keys are never paths (see `keyLocation`). Etags are SHA-256.
 *
 * @example
 * import { createFsBlobstore } from '@keel/adapter-blobstore-fs';
 * const files = createFsBlobstore({ root: './data/files' });
 * await files.createContainer('exports');
 * await files.write('exports', 'report.csv', 'id,total\n', { contentType: 'text/csv' });
 */
export function createFsBlobstore(options: FsBlobstoreOptions): Blobstore {
  return buildFsBlobstore(parseOptions(fsBlobstoreOptions, options, 'createFsBlobstore'));
}

/**
 * Registers the adapter as `fs`, so that config can choose it.
 *
 * @example
 * const keel = await createKeel(
 *   { blobstore: { adapter: 'fs', options: { root: './data/files' } } },
 *   { adapters: [fsBlobstoreAdapter] },
 * );
 */
export const fsBlobstoreAdapter = defineAdapter({
  interface: 'blobstore',
  id: 'fs',
  package: '@keel/adapter-blobstore-fs',
  options: fsBlobstoreOptions,
  create: (options) => buildFsBlobstore(options),
});

function buildFsBlobstore(options: ResolvedFsBlobstoreOptions): Blobstore {
  const { root, sync, createIfMissing, limits, clock } = options;
  const tmpDir = join(root, TMP);
  const locks = new KeyLock();
  const containerDir = (name: string) => join(root, name);
  const live = (m: StoredMeta | undefined, nowMs: number) =>
    m !== undefined && (m.expiresAtMs === undefined || m.expiresAtMs > nowMs) ? m : undefined;

  async function requireContainer(name: string): Promise<void> {
    try {
      if ((await stat(containerDir(name))).isDirectory()) return;
    } catch (thrown) {
      if (fsCode(thrown) !== 'ENOENT') throw thrown;
    }
    throw noContainer(name);
  }

  /**
   * Makes a finished temp file the object's content: under the key's lock, checks the write's
   * conditions against the current version, moves the blob in, then the metadata (the commit),
   * then removes the blob it replaced. A crash before the metadata's rename leaves the old
   * version visible; after it, the new one.
   */
  function commit(
    container: string,
    key: string,
    temp: TempFile,
    meta: Omit<StoredMeta, 'blob' | 'format' | 'key' | 'size' | 'etag'>,
    conditions?: BlobDriverWrite,
  ) {
    const at = keyLocation(containerDir(container), key);
    return locks
      .run(`${container}/${key}`, async () => {
        const current = await readMeta(at);
        if (conditions) {
          const visible = live(current, conditions.nowMs);
          if (conditions.ifAbsent && visible) throw notWritten(container, key, 'an object has the key (ifAbsent)');
          if (conditions.ifMatch !== undefined && visible?.etag !== conditions.ifMatch) {
            throw notWritten(container, key, `its etag is not ${conditions.ifMatch}`);
          }
        }
        await requireContainer(container);
        await mkdir(at.dir, { recursive: true });
        const writeId = randomName();
        await moveIntoPlace(temp.path, blobPath(at, writeId), at.dir, sync);
        const stored: StoredMeta = { format: 1, key, size: temp.size, etag: temp.etag, blob: writeId, ...meta };
        const metaTemp = await writeTempText(tmpDir, JSON.stringify(stored), sync);
        await moveIntoPlace(metaTemp, metaPath(at), at.dir, sync);
        if (current) await unlink(blobPath(at, current.blob)).catch(() => undefined);
        return toMetadata(container, stored);
      })
      .catch(async (thrown: unknown) => {
        await unlink(temp.path).catch(() => undefined);
        throw thrown;
      });
  }

  /** The current version's metadata and an open descriptor on its content, retrying if a writer replaced it in between. */
  async function openCurrent(container: string, key: string) {
    const at = keyLocation(containerDir(container), key);
    for (let attempt = 0; ; attempt++) {
      const stored = await readMeta(at);
      if (!stored) return undefined;
      try {
        // An open descriptor keeps reading this version even if it is replaced and unlinked meanwhile.
        return { stored, fd: await openForReading(blobPath(at, stored.blob)) };
      } catch (thrown) {
        if (fsCode(thrown) !== 'ENOENT' || attempt >= READ_RETRIES) throw thrown;
      }
    }
  }

  const driver: BlobstoreDriver = {
    adapter: 'fs',
    capabilities: { presignedUrls: false, ranges: true, expiry: true, conditionalWrites: true, persistent: true },
    limits,
    clock,

    async open() {
      try {
        if (!createIfMissing) await stat(root);
        await mkdir(tmpDir, { recursive: true });
      } catch (thrown) {
        throw storeUnavailable(
          root,
          fsCode(thrown) === 'ENOENT' ? 'does not exist (createIfMissing is false)' : 'cannot be opened',
          thrown,
        );
      }
      await checkFormat(root);
      await removeStaleTemps(tmpDir, clock.now());
    },

    health: async () => ({ root }),

    async createContainer(name) {
      try {
        await mkdir(containerDir(name));
      } catch (thrown) {
        if (fsCode(thrown) === 'EEXIST') return false;
        throw thrown;
      }
      if (sync) await syncDir(root);
      return true;
    },

    async deleteContainer(name) {
      // Renamed away first, so the container disappears at once and whole; then removed at leisure.
      const gone = join(tmpDir, `${randomName()}.deleted`);
      try {
        await rename(containerDir(name), gone);
      } catch (thrown) {
        if (fsCode(thrown) === 'ENOENT') return false;
        throw thrown;
      }
      if (sync) await syncDir(root);
      await rm(gone, { recursive: true, force: true });
      return true;
    },

    async containerExists(name) {
      try {
        return (await stat(containerDir(name))).isDirectory();
      } catch (thrown) {
        if (fsCode(thrown) === 'ENOENT') return false;
        throw thrown;
      }
    },

    async stat(container, key) {
      const stored = await readMeta(keyLocation(containerDir(container), key));
      return stored && toMetadata(container, stored);
    },

    async read(container, key, range) {
      const found = await openCurrent(container, key);
      if (!found) {
        await requireContainer(container);
        return undefined;
      }
      const { stored, fd } = found;
      const metadata = toMetadata(container, stored);
      const offset = range?.offset ?? 0;
      const end = range?.length === undefined ? stored.size : Math.min(stored.size, offset + range.length);
      if (offset > stored.size) {
        await closeDescriptor(fd);
        throw pastTheEnd(key, offset, stored.size);
      }
      if (end <= offset) {
        await closeDescriptor(fd);
        return { metadata, body: Readable.from([]) };
      }
      // `end` of a read stream is inclusive.
      return { metadata, body: readBody(fd, offset, end - 1) };
    },

    async write(container, key, body, conditions) {
      await requireContainer(container);
      const temp = await writeTemp(tmpDir, body, sync);
      const { contentType, expiresAtMs, nowMs } = conditions;
      return commit(
        container,
        key,
        temp,
        { contentType, createdAtMs: nowMs, ...(expiresAtMs === undefined ? {} : { expiresAtMs }) },
        conditions,
      );
    },

    async list(container, { prefix, after, limit }) {
      await requireContainer(container);
      const dir = containerDir(container);
      const keys = await listKeys(dir, prefix, after, limit);
      const found: BlobMetadata[] = [];
      for (const key of keys) {
        // A key deleted since the walk saw it is simply not listed.
        const stored = await readMeta(keyLocation(dir, key));
        if (stored) found.push(toMetadata(container, stored));
      }
      return found;
    },

    async copy(container, key, toContainer, toKey, nowMs) {
      await requireContainer(toContainer);
      const found = await openCurrent(container, key);
      if (!found) {
        await requireContainer(container);
        return undefined;
      }
      const { stored, fd } = found;
      const temp = join(tmpDir, `${randomName()}.tmp`);
      try {
        // From the open descriptor: the version read is the version copied, even if replaced meanwhile.
        await writeFile(temp, createReadStream('', { fd, autoClose: false }));
        if (sync) {
          const copied = await open(temp, 'r+');
          await copied.sync().finally(() => copied.close());
        }
      } catch (thrown) {
        await unlink(temp).catch(() => undefined);
        throw thrown;
      } finally {
        await closeDescriptor(fd);
      }
      const { contentType, expiresAtMs } = stored;
      return commit(
        toContainer,
        toKey,
        { path: temp, size: stored.size, etag: stored.etag },
        { contentType, createdAtMs: nowMs, ...(expiresAtMs === undefined ? {} : { expiresAtMs }) },
      );
    },

    delete(container, key) {
      const at = keyLocation(containerDir(container), key);
      return locks.run(`${container}/${key}`, async () => {
        const current = await readMeta(at);
        if (!current) return false;
        // Removing the metadata is the delete; the blob goes after, and a crash in between leaves only an orphan.
        await unlink(metaPath(at));
        if (sync) await syncDir(at.dir);
        await unlink(blobPath(at, current.blob)).catch(() => undefined);
        return true;
      });
    },
  };
  return defineBlobstore(driver);
}

/** The folder is a Keel blobstore of format 1, or is made one; anything else is refused. */
async function checkFormat(root: string): Promise<void> {
  const path = join(root, FORMAT_FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (thrown) {
    if (fsCode(thrown) !== 'ENOENT') throw storeUnavailable(root, 'cannot be read', thrown);
  }
  if (text === undefined) {
    await writeFile(path, JSON.stringify({ format: 1 }), { flag: 'wx' }).catch((thrown: unknown) => {
      if (fsCode(thrown) !== 'EEXIST') throw thrown;
    });
    return;
  }
  let format: unknown;
  try {
    format = (JSON.parse(text) as { format?: unknown }).format;
  } catch {
    format = undefined;
  }
  if (format !== 1)
    throw storeUnavailable(root, `holds a blobstore of format ${String(format)}, which this version does not read`);
}

async function removeStaleTemps(tmpDir: string, nowMs: number): Promise<void> {
  for (const name of await readdir(tmpDir)) {
    const path = join(tmpDir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && nowMs - info.mtimeMs > STALE_TEMP_MS) await rm(path, { recursive: true, force: true });
  }
}
