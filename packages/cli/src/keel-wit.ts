import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `keel:infrastructure` WIT files: the published package carries a copy in `wit/` (made by
 * its build from the repository's `wit/`, the one source); in the repository they are read
 * from there directly.
 */
export function keelWitFiles(): { name: string; text: string }[] {
  const candidates = ['../wit', '../../../wit'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const folder = candidates.find((dir) => existsSync(join(dir, 'worlds.wit')));
  if (!folder)
    throw new Error(`keel: the keel:infrastructure WIT files are missing (looked in ${candidates.join(', ')})`);
  return readdirSync(folder)
    .filter((f) => f.endsWith('.wit'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(folder, name), 'utf8') }));
}
