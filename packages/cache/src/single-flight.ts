import type { FlightOutcome } from './load-flight.js';

interface Flight {
  readonly tags: readonly string[];
  joiners: number;
  promise: Promise<FlightOutcome>;
}

/** How many times a caller looks again after the flight it joined was overtaken by an invalidation. */
const MAX_REJOINS = 3;

/**
 * Single-flight in one process: the first `getOrSet` of a key starts a flight (lookup, and load on
 * a miss) and every caller that asks for the key, with the same tags, before it ends shares it.
 * An invalidation made here detaches the flights it touches, so a caller that comes after
 * `invalidate` returned never shares a load that began before it.
 */
export class SingleFlight {
  private readonly flights = new Map<string, Flight>();

  /** The outcome for this caller: a flight's it joined, or its own. */
  run(
    key: string,
    tags: readonly string[],
    start: (hasJoiners: () => boolean) => Promise<FlightOutcome>,
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
    start: (hasJoiners: () => boolean) => Promise<FlightOutcome>,
    onJoin: () => void,
  ): Promise<FlightOutcome> {
    for (let attempt = 0; ; attempt++) {
      onJoin();
      flight.joiners++;
      const outcome = await flight.promise;
      // The value was loaded while an invalidation landed: this caller may have come after it.
      if (outcome.freshForJoiners || attempt >= MAX_REJOINS) return outcome;
      const next = this.flights.get(key);
      if (next === undefined || !sameTags(next.tags, tags)) return this.fly(key, tags, start);
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
    start: (hasJoiners: () => boolean) => Promise<FlightOutcome>,
  ): Promise<FlightOutcome> {
    const flight: Flight = { tags, joiners: 0, promise: Promise.resolve() as never };
    // Registered before the first await, so that every caller in the same tick joins it.
    this.flights.set(key, flight);
    flight.promise = start(() => flight.joiners > 0).then((outcome) => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
      return outcome;
    });
    return flight.promise;
  }
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
