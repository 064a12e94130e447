import type { ChainedBatch, ClassicLevel } from 'classic-level';

/** The database as the adapter opens it: string (UTF-8) keys by default, Buffer values. */
export type LevelDb = ClassicLevel<string, Buffer>;

/**
 * A chained batch: its writes go to LevelDB one call each and commit atomically on `write`.
 * About twice as fast as an array batch here, which copies and re-encodes every operation.
 */
export type LevelBatch = ChainedBatch<LevelDb, string, Buffer>;

/** Options for operations on the store's own keys, which are bytes, not UTF-8. */
export const BYTE_KEYS = { keyEncoding: 'buffer' } as const;
