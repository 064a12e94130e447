import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A temporary parent folder for one test file's LevelDB stores, removed after the file's tests.
 * `folder(name)` gives the same path for the same name, which is how a store is reopened.
 */
export function tempFolders(label: string): { root: string; folder(name: string): string } {
  const root = mkdtempSync(join(tmpdir(), `keel-kv-level-${label}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return { root, folder: (name) => join(root, name) };
}
