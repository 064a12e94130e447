import type { Clock } from '@keel/core';

/** A clock that moves only when told: pass it to an adapter's `clock` option in tests. */
export class ManualClock implements Clock {
  constructor(private time = Date.now()) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}
