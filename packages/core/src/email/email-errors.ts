import { KeelError, type KeelErrorInit } from '../errors/keel-error.js';

/** Mirrors the cases of WIT `email.error`, in UPPER_SNAKE. Codes are stable; messages are not. */
export type EmailErrorCode =
  | 'INVALID_MESSAGE'
  | 'AUTH_FAILED'
  | 'REJECTED'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'QUOTA_EXCEEDED'
  | 'NOT_OPEN'
  | 'ACCESS_DENIED'
  | 'INTERNAL';

export interface EmailErrorInit extends KeelErrorInit<EmailErrorCode> {
  /** With `RATE_LIMITED`: how long to wait, when the provider said (`Retry-After`). */
  readonly retryAfterMs?: number;
  /** The HTTP status or SMTP reply code the provider answered with, when there was one. */
  readonly status?: number;
}

/** Codes that mean "the same message may succeed later": retries and failover act only on these. */
export const retryableEmailCodes: ReadonlySet<EmailErrorCode> = new Set(['RATE_LIMITED', 'UNAVAILABLE']);

/**
 * The error of `send`. The provider's response is kept in `cause`.
 *
 * @example
 * throw new EmailError({ code: 'RATE_LIMITED', message: 'SendGrid: too many requests', retryAfterMs: 2000, status: 429 });
 */
export class EmailError extends KeelError<EmailErrorCode> {
  override readonly name = 'EmailError';
  readonly retryAfterMs?: number;
  readonly status?: number;

  constructor(init: EmailErrorInit) {
    super(init);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.status !== undefined) this.status = init.status;
  }

  /** Whether sending the same message again may succeed. */
  get retryable(): boolean {
    return retryableEmailCodes.has(this.code);
  }
}
