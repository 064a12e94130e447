import type { FlightOutcome } from './load-flight.js';

/**
 * What a flight tells its single-flight about the reads that decide its value, so that a caller
 * who joins late never gets a value read before an invalidation it already saw complete (one made
 * by another process, which this process cannot detach).
 */
export interface FlightWatch {
  /** Called just before a read that decides the value is sent: callers who joined so far are covered by it. */
  checking(): void;
  /** Whether someone joined after the last deciding read was sent: the value must be read once more for them. */
  uncovered(): boolean;
}

interface Flight {
  readonly tags: readonly string[];
  /** Callers who joined after the last deciding read was sent. */
  uncovered: number;
  /**
   * True from a deciding read's send until the next microtask: a caller who joins in that
   * window cannot have seen an invalidation complete after the read was sent (completing one
   * takes a turn of the event loop), so the read covers it too — a burst of calls in one tick
   * shares one read.
   */
  sameTick: boolean;
  promise: Promise<FlightOutcome>;
}

/** How many times a caller joins again after the flight it joined could not vouch for its value. */
const MAX_REJOINS = 3;

/**
 * Single-flight in one process: the first `getOrSet` of a key starts a flight (lookup, and load on
 * a miss) and every caller that asks for the key, with the same tags, before it ends shares it.
 * An invalidation made here detaches the flights it touches; one made in another process is
 * caught by the flight's last read (see `FlightWatch`). A caller that joined gets the flight's value
 * only when the flight vouches for it (`freshForJoiners`); otherwise it looks again.
 */
export class SingleFlight {
  private readonly flights = new Map<string, Flight>();

  /** The outcome for this caller: a flight's it joined, or its own. */
  run(
    key: string,
    tags: readonly string[],
    start: (watch: FlightWatch) => Promise<FlightOutcome>,
    onJoin: () => void,
  ): Promise<FlightOutcome> {
    const existing = this.flights.get(key);
    if (existing === undefined || !sameTags(existing.tags, tags)) return this.fly(key, tags, start);
    return this.join(existing, key, tags, start, onJoin);
  }

  private async join(
    flight: Flight,
    key: string,
    tags: readonly string[],
    start: (watch: FlightWatch) => Promise<FlightOutcome>,
    onJoin: () => void,
  ): Promise<FlightOutcome> {
    for (let attempt = 0; ; attempt++) {
      onJoin();
      if (!flight.sameTick) flight.uncovered++;
      const outcome = await flight.promise;
      if (outcome.freshForJoiners) return outcome;
      // The value may predate an invalidation this caller saw: join a newer flight, or start one
      // (whose value, read after this caller began, needs no vouching).
      const next = this.flights.get(key);
      if (next === undefined || next === flight || !sameTags(next.tags, tags) || attempt >= MAX_REJOINS) {
        return this.fly(key, tags, start);
      }
      flight = next;
    }
  }

  /** Forgets the flights of these keys: later callers start their own. */
  detachKeys(keys: readonly string[]): void {
    for (const key of keys) this.flights.delete(key);
  }

  /** Forgets the flights that carry any of these tags. */
  detachTags(tags: readonly string[]): void {
    const set = new Set(tags);
    for (const [key, flight] of this.flights) if (flight.tags.some((t) => set.has(t))) this.flights.delete(key);
  }

  private fly(
    key: string,
    tags: readonly string[],
    start: (watch: FlightWatch) => Promise<FlightOutcome>,
  ): Promise<FlightOutcome> {
    const flight: Flight = { tags, uncovered: 0, sameTick: false, promise: Promise.resolve() as never };
    const watch: FlightWatch = {
      checking() {
        flight.uncovered = 0;
        if (flight.sameTick) return;
        flight.sameTick = true;
        queueMicrotask(() => {
          flight.sameTick = false;
        });
      },
      uncovered: () => flight.uncovered > 0,
    };
    // Registered before the first await, so that every caller in the same tick joins it.
    this.flights.set(key, flight);
    flight.promise = start(watch).then((outcome) => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
      return outcome;
    });
    return flight.promise;
  }
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
