import type { Clock } from '../lifecycle/clock.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** How a circuit opens and when it tries again. */
export interface BreakerPolicy {
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through, in ms. */
  readonly resetAfterMs: number;
}

/** May a call go now: yes (a `trial` when half-open), or no for `retryAfterMs` more. */
export type CircuitAdmission =
  | { readonly admitted: true; readonly trial: boolean }
  | { readonly admitted: false; readonly retryAfterMs: number };

/**
 * One callee's circuit, as a state machine the caller drives: ask `admit()` before a call and
 * report its outcome with `succeeded()` or `failed()` (with the admission's `trial`). After
 * `failureThreshold` consecutive failures the circuit opens and admits nothing for
 * `resetAfterMs`; then one trial call goes through (half-open): success closes the circuit,
 * failure opens it again. What counts as a failure is the caller's call: a refusal that proves
 * the callee answers (a 4xx) should count as a success.
 *
 * @example
 * const circuit = new Circuit({ failureThreshold: 5, resetAfterMs: 30_000 }, systemClock);
 * const admission = circuit.admit();
 * if (!admission.admitted) return err(open(admission.retryAfterMs));
 * const result = await call();
 * result.isOk() ? circuit.succeeded(admission.trial) : circuit.failed(admission.trial);
 */
export class Circuit {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private current: CircuitState = 'closed';

  constructor(
    readonly policy: BreakerPolicy,
    private readonly clock: Clock,
  ) {}

  /** The state as of now (an open circuit whose time is up reads as half-open). */
  get state(): CircuitState {
    if (this.current === 'open' && this.clock.now() - this.openedAt >= this.policy.resetAfterMs) return 'half-open';
    return this.current;
  }

  admit(): CircuitAdmission {
    const state = this.state;
    if (state === 'open')
      return { admitted: false, retryAfterMs: waitOf(this.policy.resetAfterMs - (this.clock.now() - this.openedAt)) };
    if (state === 'half-open') {
      // One trial at a time: the others are refused until it has answered.
      if (this.trialInFlight) return { admitted: false, retryAfterMs: this.policy.resetAfterMs };
      this.current = 'half-open';
      this.trialInFlight = true;
      return { admitted: true, trial: true };
    }
    return { admitted: true, trial: false };
  }

  succeeded(trial: boolean): void {
    if (trial) this.trialInFlight = false;
    this.failures = 0;
    this.current = 'closed';
  }

  failed(trial: boolean): void {
    if (trial) this.trialInFlight = false;
    this.failures++;
    if (this.current === 'half-open' || this.failures >= this.policy.failureThreshold) {
      this.openedAt = this.clock.now();
      this.current = 'open';
    }
  }

  /** A call that ended without saying anything about the callee (the caller cancelled it). */
  abandoned(trial: boolean): void {
    if (trial) this.trialInFlight = false;
  }
}

function waitOf(ms: number): number {
  return Math.max(0, Math.ceil(ms));
}
