import { EmailError, type Clock } from '@keel/core';
import { Circuit, type BreakerPolicy, type CircuitState } from '@keel/core/adapter';

const openErrors = new WeakSet<EmailError>();

/** Whether an error is a circuit breaker refusing to call (not a failure of the provider itself). */
export function isCircuitOpen(error: EmailError): boolean {
  return openErrors.has(error);
}

/**
 * One provider's circuit (core's `Circuit`) around calls that throw `EmailError`s: while open,
 * every call fails at once with `UNAVAILABLE` (and `retryAfterMs`). Only a retryable error is a
 * failure: a non-retryable one (a rejected message, bad credentials) proves the provider
 * answers, so it counts as a success here.
 *
 * @example
 * const breaker = new CircuitBreaker('sendgrid', { failureThreshold: 5, resetAfterMs: 30_000 }, systemClock);
 * const receipt = await breaker.call(() => post(message));
 */
export class CircuitBreaker {
  private readonly circuit: Circuit;

  constructor(
    private readonly adapter: string,
    policy: BreakerPolicy,
    clock: Clock,
  ) {
    this.circuit = new Circuit(policy, clock);
  }

  /** The state as of now (an open circuit whose time is up reads as half-open). */
  get state(): CircuitState {
    return this.circuit.state;
  }

  async call<T>(fn: () => Promise<T>): Promise<T> {
    const admission = this.circuit.admit();
    if (!admission.admitted) throw this.refusal(admission.retryAfterMs);
    try {
      const value = await fn();
      this.circuit.succeeded(admission.trial);
      return value;
    } catch (thrown) {
      if (thrown instanceof EmailError && thrown.retryable) this.circuit.failed(admission.trial);
      else this.circuit.succeeded(admission.trial);
      throw thrown;
    }
  }

  private refusal(retryAfterMs: number): EmailError {
    const error = new EmailError({
      code: 'UNAVAILABLE',
      message: `${this.adapter}: circuit open after ${this.circuit.policy.failureThreshold} consecutive failures; not calling the provider for ${retryAfterMs} ms`,
      adapter: this.adapter,
      op: 'send',
      retryAfterMs,
    });
    openErrors.add(error);
    return error;
  }
}
