import { META_FORMAT_KEY } from './keyspace.js';
import { BYTE_KEYS, type LevelDb } from './level-db.js';
import { foreignStore } from './level-kv-errors.js';
import { FORMAT_VERSION } from './value-encoding.js';

/**
 * Opens only a Keel kv store of a format this version reads. An empty folder becomes one; a
 * LevelDB store with other data in it is refused rather than mixed with.
 *
 * @example
 * await level.open();
 * await checkFormat(level, location); // throws UNAVAILABLE for a foreign store
 */
export async function checkFormat(db: LevelDb, location: string): Promise<void> {
  const format = db.getSync<Buffer, Buffer>(META_FORMAT_KEY, BYTE_KEYS);
  if (format !== undefined) {
    if (format.length !== 1 || format[0] !== FORMAT_VERSION) {
      throw foreignStore(
        location,
        `is in Keel kv format ${String(format[0])}; this version reads format ${FORMAT_VERSION}`,
      );
    }
    return;
  }
  const [first] = await db.keys({ limit: 1, ...BYTE_KEYS }).all();
  if (first !== undefined)
    throw foreignStore(location, 'holds LevelDB data that is not a Keel kv store (no format marker)');
  await db.put<Buffer, Buffer>(META_FORMAT_KEY, Buffer.from([FORMAT_VERSION]), { ...BYTE_KEYS, sync: true });
}
