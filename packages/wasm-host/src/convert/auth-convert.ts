import type { AuthError, AuthUser } from '@keel/core';
import type { WitError } from '../imports/binding.js';
import { witCase } from '../imports/binding.js';

// WIT `auth.principal` is core's `AuthPrincipal` field for field, so it crosses as it is: jco
// lowers a record by field name, and lifts one into a plain object of the same shape.

/** WIT `auth.user`: `created-at` is a `u64` of milliseconds. */
export function userToWit(u: AuthUser) {
  return {
    id: u.id,
    email: u.email,
    emailVerified: u.emailVerified,
    roles: [...u.roles],
    createdAt: BigInt(Math.max(0, Math.trunc(u.createdAt))),
  };
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
