import type { HealthDetail } from '../lifecycle/health.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import type { EmailCapabilities } from './email-capabilities.js';
import type { EmailReceipt, NormalizedEmail } from './email-contract.js';
import type { EmailLimits } from './email-limits.js';

/**
 * What an email adapter implements. Core validates the message (addresses, header injection,
 * limits) and hands over a `NormalizedEmail`. A driver throws an `EmailError` with the right
 * code for provider failures (`RATE_LIMITED` with `retryAfterMs`, `UNAVAILABLE` for 5xx and
 * network errors, …); anything else becomes `INTERNAL`.
 */
export interface EmailDriver {
  readonly adapter: string;
  readonly capabilities: EmailCapabilities;
  readonly limits?: Partial<EmailLimits>;
  open?(): MaybePromise<void>;
  close?(): MaybePromise<void>;
  health?(): MaybePromise<HealthDetail>;
  send(message: NormalizedEmail): MaybePromise<EmailReceipt>;
}
