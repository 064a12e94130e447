import { Circuit, type BreakerPolicy, type CircuitAdmission, type CircuitState } from '@keel/core/adapter';

/** How a component call ended, for its circuit: it answered, it failed, or it said nothing (cancelled). */
export type CallVerdict = 'answered' | 'failed' | 'abandoned';

/**
 * One circuit per component name in this process (core's `Circuit`, as `@keel/http-client` keeps
 * one per origin): after `failureThreshold` failed calls in a row the component's steps are not
 * run for `resetAfterMs`; then one trial call goes, and its outcome closes or opens it again.
 *
 * @example
 * const breakers = componentBreakers({ failureThreshold: 5, resetAfterMs: 30_000 }, Date.now);
 * const admission = breakers.admit('billing');
 */
export function componentBreakers(policy: BreakerPolicy, now: () => number) {
  const circuits = new Map<string, Circuit>();
  const clock = { now };
  const circuit = (component: string) => {
    let c = circuits.get(component);
    if (!c) circuits.set(component, (c = new Circuit(policy, clock)));
    return c;
  };
  return {
    admit: (component: string): CircuitAdmission => circuit(component).admit(),
    report(component: string, trial: boolean, verdict: CallVerdict): void {
      const c = circuit(component);
      if (verdict === 'answered') c.succeeded(trial);
      else if (verdict === 'failed') c.failed(trial);
      else c.abandoned(trial);
    },
    /** Each component's circuit that has been used, and its state now. */
    states: (): [string, CircuitState][] => [...circuits].map(([name, c]) => [name, c.state]),
  };
}

export type ComponentBreakers = ReturnType<typeof componentBreakers>;

/**
 * Whether a failed component call says the component is failing: a guest's own `err` answer
 * (`GUEST_ERROR`) and a refusal of the arguments (`INVALID_ARGUMENT`) prove it answers; a closed
 * registry says nothing of it; traps, timeouts, exhausted fuel, loads that fail, a missing
 * version do.
 */
export function verdictOf(code: string): CallVerdict {
  if (code === 'GUEST_ERROR' || code === 'INVALID_ARGUMENT') return 'answered';
  if (code === 'CLOSED' || code === 'CANCELLED') return 'abandoned';
  return 'failed';
}
