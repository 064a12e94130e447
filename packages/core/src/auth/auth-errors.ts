import { KeelError, type KeelErrorInit } from '../errors/keel-error.js';

/** Mirrors the cases of WIT `auth.error`, in UPPER_SNAKE. Codes are stable; messages are not. */
export type AuthErrorCode =
  | 'INVALID_CREDENTIALS'
  | 'ACCOUNT_LOCKED'
  | 'RATE_LIMITED'
  | 'EMAIL_TAKEN'
  | 'WEAK_PASSWORD'
  | 'INVALID_TOKEN'
  | 'EXPIRED'
  | 'PROVIDER_ERROR'
  | 'ACCESS_DENIED'
  | 'INVALID_ARGUMENT'
  | 'UNSUPPORTED'
  | 'NOT_OPEN'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface AuthErrorInit extends KeelErrorInit<AuthErrorCode> {
  /** With `ACCOUNT_LOCKED`: when sign-in is allowed again (milliseconds since the epoch). */
  readonly lockedUntil?: number;
  /** With `RATE_LIMITED`: how long to wait. */
  readonly retryAfterMs?: number;
  /** With `WEAK_PASSWORD`: stable reason codes (`too-short`, `common`, …). */
  readonly reasons?: readonly string[];
}

/**
 * The error of every auth operation. Messages never say whether an account exists.
 *
 * @example
 * const r = await auth.login({ email, password }, { ip });
 * if (r.isErr() && r.error.code === 'ACCOUNT_LOCKED') showLockedUntil(new Date(r.error.lockedUntil!));
 */
export class AuthError extends KeelError<AuthErrorCode> {
  override readonly name = 'AuthError';
  readonly lockedUntil?: number;
  readonly retryAfterMs?: number;
  readonly reasons?: readonly string[];

  constructor(init: AuthErrorInit) {
    super(init);
    if (init.lockedUntil !== undefined) this.lockedUntil = init.lockedUntil;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.reasons !== undefined) this.reasons = Object.freeze([...init.reasons]);
  }
}
