// @ts-check
// A call's CPU budget. The host adds fuel points to every core module when it compiles it
// (function entries and loop tops, see src/loader/module-metering.ts); each subtracts its cost
// from one imported i64 global, shared by all the component's core instances, and traps below
// zero. Here the global is made and refilled before each call. Deterministic: the same call on
// the same input uses the same fuel, in either mode, whatever the machine's load.
// Shared by both modes; plain JavaScript because Node 20 workers cannot load TypeScript.

const WA = /** @type {any} */ (globalThis).WebAssembly;

export class FuelTank {
  /** @param {number} limit fuel per call: instructions, counted per region entered (an upper bound) */
  constructor(limit) {
    this.limit = BigInt(limit);
    /** @type {bigint} the budget of the call in progress: `limit`, or less when the call asked for less */
    this.current = this.limit;
    /** @type {{ value: bigint }} the counter the fuel points draw on */
    this.global = new WA.Global({ value: 'i64', mutable: true }, this.limit);
  }

  /**
   * A call starts with the whole budget, or with `budget` when it asks for less (a workflow
   * step's `fuel`); never with more than the limit.
   * @param {number} [budget]
   */
  refill(budget) {
    const asked = budget === undefined ? this.limit : BigInt(budget);
    this.current = asked < this.limit ? asked : this.limit;
    this.global.value = this.current;
  }

  /** Fuel used since the last refill; the whole budget once exhausted. */
  used() {
    const left = this.global.value;
    return Number(left < 0n ? this.current : this.current - left);
  }

  /** Whether a fuel point found the budget spent: a trap then is `FUEL_EXHAUSTED`. */
  exhausted() {
    return this.global.value < 0n;
  }
}
