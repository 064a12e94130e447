import type { Result } from '@keel/core';

/** An error the API answers with: `{ error: { code, message, ...details } }` and an HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** HTTP statuses for the Keel error codes the routes pass through. */
const statusByCode: Readonly<Record<string, number>> = {
  INVALID_CREDENTIALS: 401,
  INVALID_TOKEN: 401,
  EXPIRED: 401,
  ACCOUNT_LOCKED: 423,
  RATE_LIMITED: 429,
  EMAIL_TAKEN: 409,
  WEAK_PASSWORD: 422,
  INVALID_ARGUMENT: 400,
  ACCESS_DENIED: 403,
  CONSTRAINT_VIOLATION: 409,
  UNAVAILABLE: 503,
  BUSY: 503,
  NOT_OPEN: 503,
};

/** Turns a Keel error value (`{ code, message }`) into an `HttpError`; unknown codes are 500s. */
export function fromKeelError(error: {
  readonly code: string;
  readonly message: string;
  readonly [k: string]: unknown;
}): HttpError {
  const status = statusByCode[error.code] ?? 500;
  const details: Record<string, unknown> = {};
  for (const field of ['reasons', 'retryAfterMs', 'lockedUntil'])
    if (error[field] !== undefined) details[field] = error[field];
  // 5xx messages may carry internals (SQL text, paths): keep them in the log, not the answer.
  return new HttpError(
    status,
    status >= 500 ? 'INTERNAL' : error.code,
    status >= 500 ? 'Something went wrong on our side' : error.message,
    details,
  );
}

/** Unwraps a neverthrow result or throws its error as an `HttpError`. */
export async function unwrap<T, E extends { readonly code: string; readonly message: string } | HttpError>(
  result: PromiseLike<Result<T, E>> | Result<T, E>,
): Promise<T> {
  const r = await result;
  if (r.isOk()) return r.value;
  const error = r.error;
  if (error instanceof HttpError) throw error;
  if (statusByCode[error.code] === undefined) console.error('[saas]', error);
  throw fromKeelError(error as unknown as { code: string; message: string });
}
