import { createHash, randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** A file written in full under the store's temp folder, not yet visible. */
export interface TempFile {
  readonly path: string;
  readonly size: number;
  /** SHA-256 of the content, hex: the object's etag. */
  readonly etag: string;
}

/** A fresh random name: for temp files, and for the write id in an object's blob file name. */
export const randomName = () => randomBytes(12).toString('hex');

/**
 * Writes `body` to a new file in `tmpDir`, hashing it as it goes, and flushes it to disk when
 * `sync`. When the body throws (too large, a broken upload) the file is removed and the throw
 * goes on: nothing is left behind and nothing became visible.
 */
export async function writeTemp(
  tmpDir: string,
  body: Uint8Array | AsyncIterable<Uint8Array>,
  sync: boolean,
): Promise<TempFile> {
  const path = join(tmpDir, `${randomName()}.tmp`);
  const hash = createHash('sha256');
  const file = await open(path, 'wx');
  let size = 0;
  try {
    const chunks = body instanceof Uint8Array ? [body] : body;
    for await (const chunk of chunks) {
      hash.update(chunk);
      size += chunk.byteLength;
      await file.write(chunk);
    }
    if (sync) await file.sync();
  } catch (thrown) {
    await file.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw thrown;
  }
  await file.close();
  return { path, size, etag: hash.digest('hex') };
}

/** Writes small text (a metadata file) to a temp file, flushed when `sync`. */
export async function writeTempText(tmpDir: string, text: string, sync: boolean): Promise<string> {
  const path = join(tmpDir, `${randomName()}.tmp`);
  const file = await open(path, 'wx');
  try {
    await file.writeFile(text, 'utf8');
    if (sync) await file.sync();
  } finally {
    await file.close();
  }
  return path;
}

/**
 * Moves a finished temp file into place: `rename` replaces the target atomically, so a reader
 * sees the old file or the new one, never a mix. With `sync`, the folder is flushed too, so the
 * new name survives power loss.
 */
export async function moveIntoPlace(from: string, to: string, dir: string, sync: boolean): Promise<void> {
  await rename(from, to);
  if (sync) await syncDir(dir);
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
