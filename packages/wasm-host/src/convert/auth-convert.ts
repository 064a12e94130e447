import type { AuthError, AuthPrincipal, AuthUser } from '@keel/core';
import type { WitError } from '../imports/binding.js';
import { witCase } from '../imports/binding.js';

/** WIT `auth.principal` as jco lifts it (and lowers it: the same shape both ways). */
export interface WitPrincipal {
  readonly userId: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  readonly sessionId: string;
}

export function principalToWit(p: AuthPrincipal): WitPrincipal {
  return { userId: p.userId, email: p.email, emailVerified: p.emailVerified, roles: [...p.roles], permissions: [...p.permissions], sessionId: p.sessionId };
}

export function principalFromWit(p: WitPrincipal): AuthPrincipal {
  return { userId: p.userId, email: p.email, emailVerified: p.emailVerified, roles: [...p.roles], permissions: [...p.permissions], sessionId: p.sessionId };
}

/** WIT `auth.user`: `created-at` is a `u64` of milliseconds. */
export function userToWit(u: AuthUser) {
  return { id: u.id, email: u.email, emailVerified: u.emailVerified, roles: [...u.roles], createdAt: BigInt(Math.max(0, Math.trunc(u.createdAt))) };
}

const u64 = (n: number | undefined) => BigInt(Math.max(0, Math.trunc(n ?? 0)));

/** Core's `AuthError` as WIT `auth.error`, with the records of the cases that carry one. */
export function authErrorToWit(error: AuthError): WitError {
  const tag = witCase(error.code);
  switch (tag) {
    case 'account-locked':
      return { tag, val: { lockedUntil: u64(error.lockedUntil), message: error.message } };
    case 'rate-limited':
      return { tag, val: { retryAfterMs: u64(error.retryAfterMs), message: error.message } };
    case 'weak-password':
      return { tag, val: { reasons: [...(error.reasons ?? [])], message: error.message } };
    default:
      return { tag, val: error.message };
  }
}
