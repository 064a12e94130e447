import { EmailError, type Clock } from '@keel/core';
import type { BreakerPolicy } from './reliability.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

const openErrors = new WeakSet<EmailError>();

/** Whether an error is a circuit breaker refusing to call (not a failure of the provider itself). */
export function isCircuitOpen(error: EmailError): boolean {
  return openErrors.has(error);
}

/**
 * One provider's circuit: after `failureThreshold` consecutive retryable failures it opens and
 * every call fails at once with `UNAVAILABLE` (and `retryAfterMs`) for `resetAfterMs`; then one
 * trial call is let through (half-open): success closes the circuit, failure opens it again.
 * A non-retryable error (a rejected message, bad credentials) proves the provider answers, so it
 * counts as a success here.
 *
 * @example
 * const breaker = new CircuitBreaker('sendgrid', { failureThreshold: 5, resetAfterMs: 30_000 }, systemClock);
 * const receipt = await breaker.call(() => post(message));
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private current: CircuitState = 'closed';

  constructor(
    private readonly adapter: string,
    private readonly policy: BreakerPolicy,
    private readonly clock: Clock,
  ) {}

  /** The state as of now (an open circuit whose time is up reads as half-open). */
  get state(): CircuitState {
    if (this.current === 'open' && this.clock.now() - this.openedAt >= this.policy.resetAfterMs) return 'half-open';
    return this.current;
  }

  async call<T>(fn: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open') throw this.refusal(this.policy.resetAfterMs - (this.clock.now() - this.openedAt));
    if (state === 'half-open') {
      if (this.trialInFlight) throw this.refusal(this.policy.resetAfterMs);
      this.current = 'half-open';
      this.trialInFlight = true;
    }
    try {
      const value = await fn();
      this.succeeded();
      return value;
    } catch (thrown) {
      if (thrown instanceof EmailError && thrown.retryable) this.failed();
      else this.succeeded();
      throw thrown;
    } finally {
      if (state === 'half-open') this.trialInFlight = false;
    }
  }

  private succeeded(): void {
    this.failures = 0;
    this.current = 'closed';
  }

  private failed(): void {
    this.failures++;
    if (this.current === 'half-open' || this.failures >= this.policy.failureThreshold) {
      this.current = 'open';
      this.openedAt = this.clock.now();
    }
  }

  private refusal(retryAfterMs: number): EmailError {
    const error = new EmailError({
      code: 'UNAVAILABLE',
      message: `${this.adapter}: circuit open after ${this.policy.failureThreshold} consecutive failures; not calling the provider for ${Math.max(0, Math.ceil(retryAfterMs))} ms`,
      adapter: this.adapter,
      op: 'send',
      retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)),
    });
    openErrors.add(error);
    return error;
  }
}
