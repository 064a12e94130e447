import type { Clock } from '@keel/core';
import type { KeyLock } from './key-lock.js';
import { BYTE_KEYS, type LevelBatch, type LevelDb } from './level-db.js';
import { recordExpiry } from './value-encoding.js';

/**
 * The expiry index: for every key that expires, one LevelDB key `0xFF ‖ expiry (float64 BE) ‖
 * key` with an empty value, written in the same batch as the value, so the two never disagree,
 * not even after a crash. Expiry times are non-negative, so byte order is time order and the
 * sweep finds what is due with one range read from the start of the index.
 */
const INDEX = 0xff;
const INDEX_START = Buffer.from([INDEX]);
const EMPTY = Buffer.alloc(0);
/** Index entries handled per sweep batch; a sweep keeps going while batches come back full. */
const SWEEP_BATCH = 1000;

export interface ExpiryIndexOptions {
  readonly db: LevelDb;
  readonly locks: KeyLock;
  readonly clock: Clock;
  readonly sweepIntervalMs: number;
  readonly writeOptions: { readonly sync: boolean };
}

/**
 * Keeps the index in step with writes and deletes expired keys in the background. Reads never
 * need the sweep (they check expiry themselves); it reclaims space. Its timer is `unref`'d, so it
 * never keeps the process alive, and a key someone is writing is left for the next round.
 *
 * It also knows when the index is empty — no key expires — so that writers can skip reading a
 * key's old record just to find an index entry to remove (the bulk of `setMany`'s cost). Should
 * an entry ever be left behind, the sweep only deletes a value whose own expiry matches it.
 */
export class ExpiryIndex {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** False only while the index is known to be empty. */
  private mayHaveEntries = true;
  /** Batches that add entries: issued so far, and still being written. */
  private adds = 0;
  private addsInFlight = 0;
  /** The last sweep failure, for `health()`; cleared by a sweep that succeeds. */
  lastError: unknown;

  constructor(private readonly options: ExpiryIndexOptions) {}

  /** Reads whether the index is empty and starts the sweep timer. */
  async start(): Promise<void> {
    await this.checkEmpty();
    this.timer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** True when no key can have an index entry, so a writer need not look for an old one. */
  get empty(): boolean {
    return !this.mayHaveEntries;
  }

  /** Adds to `batch` the index writes for `key` moving from expiry `from` to expiry `to` (`undefined`: never). */
  update(batch: LevelBatch, key: string, from: number | undefined, to: number | undefined): void {
    if (from === to) return;
    if (from !== undefined) batch.del<Buffer>(indexKey(from, key), BYTE_KEYS);
    if (to !== undefined) batch.put<Buffer, Buffer>(indexKey(to, key), EMPTY, BYTE_KEYS);
  }

  /** Commits a batch; `adds` says whether it puts index entries. */
  write(batch: LevelBatch, adds: boolean): Promise<void> {
    if (!adds) return batch.write(this.options.writeOptions);
    this.mayHaveEntries = true;
    this.adds++;
    this.addsInFlight++;
    return batch.write(this.options.writeOptions).finally(() => void this.addsInFlight--);
  }

  /** Sweeps now, unless a sweep is already running (then waits for that one). */
  sweep(): Promise<void> {
    this.running ??= this.sweepAll().then(
      () => {
        this.lastError = undefined;
        this.running = undefined;
      },
      (thrown: unknown) => {
        this.lastError = thrown;
        this.running = undefined;
      },
    );
    return this.running;
  }

  private async sweepAll(): Promise<void> {
    if (!this.mayHaveEntries) return;
    // Keep going while a batch came back full and removed something (keys being written are skipped).
    let batch = await this.sweepBatch();
    while (batch.due === SWEEP_BATCH && batch.removed > 0) batch = await this.sweepBatch();
    await this.checkEmpty();
  }

  /** Deletes up to one batch of due keys: how many index entries were due, and how many it removed. */
  private async sweepBatch(): Promise<{ due: number; removed: number }> {
    const { db, locks, clock } = this.options;
    const due = await db
      .keys<Buffer>({ gte: INDEX_START, lt: dueEnd(clock.now()), limit: SWEEP_BATCH, ...BYTE_KEYS })
      .all();
    const batch = db.batch();
    const held: string[] = [];
    for (const entry of due) {
      const key = entry.toString('utf8', 9);
      // A key being written is left alone: its writer keeps the index right, and the next round sees the outcome.
      if (!locks.tryAcquire(key)) continue;
      held.push(key);
      batch.del<Buffer>(entry, BYTE_KEYS);
      const record = db.getSync(key);
      if (record !== undefined && recordExpiry(record) === entry.readDoubleBE(1)) batch.del(key);
    }
    try {
      await (held.length > 0 ? batch.write(this.options.writeOptions) : batch.close());
    } finally {
      for (const key of held) locks.release(key);
    }
    return { due: due.length, removed: held.length };
  }

  /**
   * Marks the index empty when it is. Only valid when no adding batch was in flight at the start
   * and none was issued meanwhile: the iterator's snapshot then shows every entry there is.
   */
  private async checkEmpty(): Promise<void> {
    if (this.addsInFlight > 0) return;
    const adds = this.adds;
    const [first] = await this.options.db.keys<Buffer>({ gte: INDEX_START, limit: 1, ...BYTE_KEYS }).all();
    if (first === undefined && adds === this.adds) this.mayHaveEntries = false;
  }
}

function indexKey(expiresAt: number, key: string): Buffer {
  const entry = Buffer.allocUnsafe(9 + Buffer.byteLength(key, 'utf8'));
  entry[0] = INDEX;
  entry.writeDoubleBE(expiresAt, 1);
  entry.write(key, 9, 'utf8');
  return entry;
}

/** The first index key after every entry due at `now` (expiry ≤ now). */
function dueEnd(now: number): Buffer {
  const end = Buffer.allocUnsafe(10);
  end[0] = INDEX;
  end.writeDoubleBE(now, 1);
  end[9] = 0xff;
  return end;
}
