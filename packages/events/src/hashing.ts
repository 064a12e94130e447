/**
 * An aggregate's bucket: FNV-1a (32-bit) of its id, kept to 31 bits so it fits every SQL
 * integer. A group with `n` partitions gives partition `bucket % n` every event of the
 * aggregate, which is what keeps one aggregate's events in order under competing consumers.
 */
export function bucketOf(aggregateId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < aggregateId.length; i++) {
    hash ^= aggregateId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) & 0x7fffffff;
}

/** A 64-bit advisory-lock key for a name (FNV-1a 64, as a signed bigint as PostgreSQL takes it). */
export function lockKeyOf(name: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(name)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, hash);
}

/** The first key of the stores' two-key advisory locks on PostgreSQL ('keel' in ASCII). */
export const storeLockSpace = 0x6b65656c;
