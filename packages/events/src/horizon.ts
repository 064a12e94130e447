import { ok, type Result, ResultAsync, type Sql, type SqlError } from '@keel/core';

/** How far subscribers may read: every event at or below it is committed, or will never be. */
export interface Horizon {
  /**
   * The safe position: from a reading a few ms old at most, and begun after `after` (a
   * `performance.now()` time) when given — a wake-up needs one that can see its commit.
   */
  current(after?: number): ResultAsync<number, SqlError>;
  /** Whether the last reading saw events beyond the horizon (worth looking again soon). */
  behind(): boolean;
}

/** A reading: the newest position a snapshot saw, and the publishing transactions then running. */
interface Reading {
  readonly max: number;
  readonly running: readonly string[];
}

const reuseMs = 3;
const keep = 256;

/**
 * SQLite: no horizon (one write transaction at a time: positions become visible in order).
 *
 * PostgreSQL: positions come from an identity column and transactions commit in any order, so
 * a reader that saw position 8 may later see a 7 whose transaction commits after it. Every
 * publish first takes a shared advisory lock on the store (held until its transaction ends;
 * shared, so publishers never wait for each other) and only then takes positions. A reading
 * takes the newest visible position M and, after its snapshot, the set of transactions holding
 * that lock. Whoever holds a position at or below M that the snapshot did not see was already
 * holding the lock, so is in that set. Once none of them runs any more, everything at or below
 * M is visible or never will be: the horizon moves to M. Only publishing transactions of this
 * store hold delivery back — a long one delays the events after it (it might still commit a
 * lower position), which is the least any reader that never skips must wait.
 */
export function horizon(sql: Sql, statement: string | undefined, lockKeys: readonly [number, number]): Horizon {
  if (statement === undefined) {
    return { current: () => new ResultAsync(Promise.resolve(ok(Number.MAX_SAFE_INTEGER))), behind: () => false };
  }
  let safe = 0;
  let newest = 0;
  let readings: Reading[] = [];
  // Readings run one after another, so each compares older readings with the newest lock holders.
  let last:
    | { readonly begun: number; pending: boolean; readonly result: Promise<Result<number, SqlError>> }
    | undefined;

  const read = async (): Promise<Result<number, SqlError>> => {
    const found = await sql.query(statement, [...lockKeys]);
    if (found.isErr()) return found.map(() => safe);
    const [max, holders] = found.value.rows[0] as [number | bigint, string | null];
    const running = new Set(holders ? holders.split(',') : []);
    readings.push({ max: Number(max), running: [...running] });
    newest = Math.max(newest, Number(max));
    // Readings grow in `max`; the newest whose transactions have all ended settles all before it.
    let settled = -1;
    for (let i = 0; i < readings.length; i++) {
      const reading = readings[i] as Reading;
      if (i === readings.length - 1 ? reading.running.length === 0 : !reading.running.some((t) => running.has(t))) {
        settled = i;
      }
    }
    if (settled >= 0) {
      safe = Math.max(safe, (readings[settled] as Reading).max);
      readings = readings.slice(settled + 1);
    }
    if (readings.length > keep) readings = readings.slice(-keep);
    return ok(safe);
  };

  return {
    current(after = Number.NEGATIVE_INFINITY) {
      const now = performance.now();
      // A reading queued or running, or done moments ago, that began after `after`, will do.
      if (last && last.begun > after && (last.pending || now - last.begun < reuseMs))
        return new ResultAsync(last.result);
      const previous = last?.result ?? Promise.resolve();
      const reading = { begun: now, pending: true, result: previous.then(read) };
      void reading.result.then(() => {
        reading.pending = false;
      });
      last = reading;
      return new ResultAsync(reading.result);
    },
    behind: () => newest > safe,
  };
}
