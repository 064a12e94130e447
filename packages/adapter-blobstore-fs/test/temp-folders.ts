import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temporary parent folder for one test file's stores, removed after the file's tests. */
export function tempFolders(label: string): { root: string; folder(name: string): string } {
  const root = mkdtempSync(join(tmpdir(), `keel-blobstore-fs-${label}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return { root, folder: (name) => join(root, name) };
}
