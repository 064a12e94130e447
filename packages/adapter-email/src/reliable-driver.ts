import type { Email, EmailCapabilities, EmailLimits, EmailReceipt, HealthDetail } from '@keel/core';
import { defaultEmailLimits, defineEmail, type MaybePromise, type NormalizedEmail } from '@keel/core/adapter';
import { CircuitBreaker } from './circuit-breaker.js';
import { idempotencyGuard } from './idempotency.js';
import type { Reliability } from './reliability.js';
import { withRetry } from './retry.js';

/** What a provider implements: one delivery attempt, cancelled by `signal` at the timeout. */
export interface ProviderTransport {
  readonly adapter: string;
  readonly capabilities: EmailCapabilities;
  readonly limits: EmailLimits;
  open?(): MaybePromise<void>;
  close?(): MaybePromise<void>;
  health?(): MaybePromise<HealthDetail>;
  deliver(message: NormalizedEmail, signal: AbortSignal): Promise<EmailReceipt>;
}

const limitsByEmail = new WeakMap<Email, EmailLimits>();

/** The limits an email adapter of this package declared (the core defaults for any other). */
export function limitsOf(email: Email): EmailLimits {
  return limitsByEmail.get(email) ?? defaultEmailLimits;
}

/** Records the limits of an `Email` derived from one `reliableEmail` made (a copy with more members). */
export function sameLimits<E extends Email>(from: Email, to: E): E {
  limitsByEmail.set(to, limitsOf(from));
  return to;
}

/**
 * Wraps one delivery attempt in the reliability layers, outermost first: idempotency (a key
 * seen within the window returns its first receipt), retries with backoff, the circuit
 * breaker, and the per-attempt timeout; then in core's guard (`defineEmail`).
 *
 * @example
 * return reliableEmail({ adapter: 'sendgrid', capabilities, limits, deliver: post }, reliability);
 */
export function reliableEmail(transport: ProviderTransport, reliability: Reliability): Email {
  const { adapter } = transport;
  const breaker = reliability.breaker ? new CircuitBreaker(adapter, reliability.breaker, reliability.clock) : undefined;
  const idempotency = reliability.idempotency
    ? idempotencyGuard(adapter, reliability.idempotency, reliability.clock, reliability.sleep)
    : undefined;
  const attempt = (message: NormalizedEmail) => {
    const once = () => transport.deliver(message, AbortSignal.timeout(reliability.timeoutMs));
    return breaker ? breaker.call(once) : once();
  };
  const withRetries = (message: NormalizedEmail) =>
    reliability.retry ? withRetry(() => attempt(message), reliability.retry, reliability) : attempt(message);

  const email = defineEmail({
    adapter,
    capabilities: transport.capabilities,
    limits: transport.limits,
    ...(transport.open ? { open: () => transport.open?.() } : {}),
    ...(transport.close ? { close: () => transport.close?.() } : {}),
    async health() {
      if (breaker?.state === 'open') throw new Error(`${adapter}: the circuit is open after repeated failures`);
      const detail = await transport.health?.();
      return { ...detail, ...(breaker ? { circuit: breaker.state } : {}) };
    },
    send: (message) =>
      idempotency ? idempotency.run(message.idempotencyKey, () => withRetries(message)) : withRetries(message),
  });
  limitsByEmail.set(email, transport.limits);
  return email;
}
