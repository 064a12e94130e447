/**
 * How the LevelDB key space is divided. UTF-8 never contains the bytes 0xFE or 0xFF, so every
 * user key, stored as its plain UTF-8 bytes, sorts below the store's own entries:
 *
 * | LevelDB key | value |
 * |---|---|
 * | UTF-8 of the key (first byte ≤ 0xF4) | the value record (see `value-encoding.ts`) |
 * | `0xFE` `keel:kv:format` | one byte: the value format version of the store |
 * | `0xFF`, expiry as float64 big-endian, UTF-8 of the key | empty: the expiry index |
 *
 * Keeping user keys unprefixed lets a read hand the key string straight to LevelDB.
 */
export const META_FORMAT_KEY: Buffer = Buffer.concat([Buffer.from([0xfe]), Buffer.from('keel:kv:format')]);

/** The first key after every user key. */
const DATA_END: Buffer = Buffer.from([0xfe]);

/** Iterator bounds for the user keys starting with `prefix`, strictly after `after` when given. */
export function scanRange(prefix: string, after: string | undefined): { gt?: Buffer; gte?: Buffer; lt: Buffer } {
  const start = Buffer.from(prefix, 'utf8');
  const lt = start.length === 0 ? DATA_END : prefixEnd(start);
  return after === undefined ? { gte: start, lt } : { gt: Buffer.from(after, 'utf8'), lt };
}

/**
 * The key encoding of scans: range bounds go to LevelDB as given — Buffers, byte-exact, so that
 * they can name 0xFE, which no string can — and keys come back as strings made by classic-level's
 * binding, which is ~1.5× faster than a Buffer per key and a `toString`. Only for user keys,
 * which are valid UTF-8. (classic-level takes a string or a Buffer for any range bound.)
 */
export const SCAN_KEYS = {
  name: 'keel-byte-bounds-utf8-keys',
  format: 'utf8',
  encode: (bound: Buffer | string) => bound,
  decode: (key: Buffer | string) => key,
} as const;

/**
 * The first byte string after every string starting with `prefix`: the prefix with its last
 * byte incremented. The last byte of UTF-8 text is at most 0xBF, so the increment never carries.
 */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1] = (end[end.length - 1] as number) + 1;
  return end;
}

/**
 * False for text with a lone surrogate, which UTF-8 cannot hold: it would be stored as U+FFFD,
 * so two different keys would share an entry. (`String.prototype.isWellFormed`, Node 20+, typed
 * here so that the package builds against the ES2023 library.)
 */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}
