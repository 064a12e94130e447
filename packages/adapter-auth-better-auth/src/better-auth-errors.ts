import { AuthError, type AuthErrorCode } from '@keel/core';
import { isAPIError } from 'better-auth/api';

// better-auth's error codes (its `BASE_ERROR_CODES`, in `APIError.body.code`) → the contract's.
// A code not listed here is a failure the contract has no name for: INTERNAL, the original kept.
const codes: Readonly<Record<string, AuthErrorCode>> = {
  INVALID_EMAIL_OR_PASSWORD: 'INVALID_CREDENTIALS',
  INVALID_PASSWORD: 'INVALID_CREDENTIALS',
  CREDENTIAL_ACCOUNT_NOT_FOUND: 'INVALID_CREDENTIALS',
  USER_ALREADY_EXISTS: 'EMAIL_TAKEN',
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: 'EMAIL_TAKEN',
  PASSWORD_TOO_SHORT: 'WEAK_PASSWORD',
  PASSWORD_TOO_LONG: 'WEAK_PASSWORD',
  INVALID_TOKEN: 'INVALID_TOKEN',
  USER_NOT_FOUND: 'INVALID_TOKEN',
  TOKEN_EXPIRED: 'EXPIRED',
  SESSION_EXPIRED: 'EXPIRED',
  UNAUTHORIZED: 'INVALID_TOKEN',
  FAILED_TO_GET_SESSION: 'INVALID_TOKEN',
  INVALID_EMAIL: 'INVALID_ARGUMENT',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
};

const reasons: Readonly<Record<string, string>> = { PASSWORD_TOO_SHORT: 'too-short', PASSWORD_TOO_LONG: 'too-long' };

// The contract's messages are Keel's: one per code, so that no answer tells more than its code.
const messages: Partial<Record<AuthErrorCode, string>> = {
  INVALID_CREDENTIALS: 'the email or the password is wrong',
  INVALID_TOKEN: 'the token is unknown, used or revoked',
  EXPIRED: 'the token has expired',
  EMAIL_TAKEN: 'an account with this email exists',
};

/**
 * The contract's error for what a better-auth call threw: a better-auth `APIError` by its code
 * (`PASSWORD_TOO_SHORT` → `WEAK_PASSWORD` with reason `too-short`), anything else `INTERNAL`.
 * The thrown error is kept as `cause`; its message never reaches the caller.
 *
 * @example
 * try { await auth.api.signInEmail({ body }); } catch (e) { throw fromBetterAuth(e, 'login'); }
 */
export function fromBetterAuth(thrown: unknown, op: string): AuthError {
  if (thrown instanceof AuthError) return thrown;
  const code = isAPIError(thrown) ? String((thrown.body as { code?: unknown } | undefined)?.code ?? '') : '';
  const mapped = codes[code];
  if (mapped === undefined)
    return new AuthError({ code: 'INTERNAL', message: `better-auth failed in ${op}`, op, cause: thrown });
  const reason = reasons[code];
  return new AuthError({
    code: mapped,
    message: messages[mapped] ?? (reason ? `the password is ${reason.replace('-', ' ')}` : code.toLowerCase()),
    op,
    cause: thrown,
    ...(reason ? { reasons: [reason] } : {}),
  });
}

/** Runs a better-auth call, its failures as the contract's errors. */
export async function call<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (thrown) {
    throw fromBetterAuth(thrown, op);
  }
}

/** An expected failure of this adapter's own checks. */
export function authError(code: AuthErrorCode, op: string, message = messages[code] ?? code): AuthError {
  return new AuthError({ code, message, op });
}
