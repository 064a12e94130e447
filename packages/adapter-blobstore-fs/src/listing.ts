import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fsCode } from './fs-blobstore-errors.js';
import { hexToKey, isHexSegment, keyToHex, SEGMENT } from './key-paths.js';

/**
 * The keys in a container that start with `prefix` and come after `after`, in UTF-8 byte order,
 * at most `limit`. It walks the container's folders in hex order, skipping folders that cannot
 * hold the prefix, and stops once it has `limit` keys: hex order is byte order, so the walk
 * itself is sorted. Only `.meta` files count: a blob without one is not (or no longer) visible.
 *
 * @example
 * await listKeys('/data/files/exports', '2026/', undefined, 100);
 */
export async function listKeys(
  containerDir: string,
  prefix: string,
  after: string | undefined,
  limit: number,
): Promise<string[]> {
  const prefixHex = keyToHex(prefix);
  const afterHex = after === undefined ? undefined : keyToHex(after);
  const found: string[] = [];

  async function walk(dir: string, path: string): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (thrown) {
      if (fsCode(thrown) === 'ENOENT' && path !== '') return;
      throw thrown;
    }
    // A key's own file and the folder of longer keys that go on from it: the shorter key sorts first.
    const items: { hex: string; folder: boolean }[] = [];
    for (const name of entries) {
      if (name.endsWith('.meta')) {
        const stem = name.slice(0, -5);
        if (isHexSegment(stem)) items.push({ hex: path + stem, folder: false });
      } else if (name.length === SEGMENT && isHexSegment(name)) {
        items.push({ hex: path + name, folder: true });
      }
    }
    items.sort((a, b) => (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : a.folder ? 1 : -1));
    for (const item of items) {
      if (found.length >= limit) return;
      // Skip what cannot hold the prefix: neither is a start of the other.
      if (!item.hex.startsWith(prefixHex) && !prefixHex.startsWith(item.hex)) continue;
      if (item.folder) {
        // Everything inside sorts after the folder's own hex, which must be past `after` or lead to it.
        if (afterHex !== undefined && item.hex < afterHex && !afterHex.startsWith(item.hex)) continue;
        await walk(join(dir, item.hex.slice(path.length)), item.hex);
      } else if (item.hex.startsWith(prefixHex) && (afterHex === undefined || item.hex > afterHex)) {
        found.push(hexToKey(item.hex));
      }
    }
  }

  await walk(containerDir, '');
  return found;
}
