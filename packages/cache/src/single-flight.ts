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
   * The tick (see `currentTick`) the last deciding read was sent in: a caller who joins in the
   * same tick cannot have seen an invalidation complete after the read was sent (completing one
   * takes a turn of the event loop), so the read covers it too — a burst of calls in one tick
   * shares one read.
   */
  checkedTick: number;
  promise: Promise<FlightOutcome>;
}

let tick = 0;
let tickEnding = false;

/**
 * A number that changes at the first microtask after it is read: one microtask per tick for the
 * whole process, not one per flight (this is every `getOrSet`'s path). A tick may end early, when
 * another caller read it first — which only leaves a joiner uncovered, never wrongly covered.
 */
function currentTick(): number {
  if (!tickEnding) {
    tickEnding = true;
    queueMicrotask(() => {
      tick++;
      tickEnding = false;
    });
  }
  return tick;
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
      if (currentTick() !== flight.checkedTick) flight.uncovered++;
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
    const flight: Flight = { tags, uncovered: 0, checkedTick: -1, promise: Promise.resolve() as never };
    const watch: FlightWatch = {
      checking() {
        flight.uncovered = 0;
        flight.checkedTick = currentTick();
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
