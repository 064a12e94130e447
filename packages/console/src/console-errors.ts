/**
 * The codes a console response's `error.code` may carry, with their HTTP status. Codes are
 * stable; messages are not. Errors of the registry and workflows keep their own codes (the
 * registry's `VERSION_EXISTS`, workflows' `INVALID_DEFINITION`, …) with the status `statusOf` gives.
 *
 * | code | status | meaning |
 * | --- | --- | --- |
 * | `BAD_REQUEST` | 400 | a query parameter, a path segment, a form field or the body's JSON is malformed (the message names it) |
 * | `UNAUTHENTICATED` | 401 | no session cookie and no bearer token |
 * | `INVALID_TOKEN` | 401 | the session or token is unknown, revoked or expired (the auth adapter's `INVALID_TOKEN` / `EXPIRED`) |
 * | `FORBIDDEN` | 403 | the principal lacks the route's permission (which the message names) |
 * | `CSRF` | 403 | an unsafe request with a cookie session whose `Origin` is missing or not trusted |
 * | `ROUTE_NOT_FOUND` | 404 | no route has this path |
 * | `METHOD_NOT_ALLOWED` | 405 | the path exists, the method does not (`Allow` lists those that do) |
 * | `PAYLOAD_TOO_LARGE` | 413 | the body is larger than `maxUploadBytes` or `maxJsonBytes` |
 * | `UNSUPPORTED_MEDIA_TYPE` | 415 | the body's `Content-Type` is not what the route takes |
 * | `RATE_LIMITED` | 429 | the client used its allowance (`Retry-After` says when to come back) |
 * | `NOT_CONFIGURED` | 501 | the route needs what the console was not given (`executionLog`, `workflows`) |
 * | `INTERNAL` | 500 | a failure the console did not expect (logged, never detailed to the client) |
 */
export type ConsoleErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'INVALID_TOKEN'
  | 'FORBIDDEN'
  | 'CSRF'
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'NOT_CONFIGURED'
  | 'INTERNAL';

const consoleStatus: Record<ConsoleErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_TOKEN: 401,
  FORBIDDEN: 403,
  CSRF: 403,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  NOT_CONFIGURED: 501,
  INTERNAL: 500,
};

// The registry's and workflows' codes, by what the client did wrong (or what went wrong here).
const domainStatus: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  MALFORMED: 400,
  NOT_APP_WORLD: 400,
  SIGNATURE_REQUIRED: 400,
  UNKNOWN_SIGNER: 400,
  BAD_SIGNATURE: 400,
  INVALID_DEFINITION: 400,
  UNKNOWN_COMPONENT: 400,
  TOO_LARGE: 413,
  NOT_FOUND: 404,
  UNKNOWN_WORKFLOW: 404,
  VERSION_EXISTS: 409,
  IN_USE: 409,
  UNAVAILABLE: 409,
  DATABASE: 503,
  CLOSED: 503,
};

/** The HTTP status of a code the console sends. */
export function statusOf(code: string): number {
  return consoleStatus[code as ConsoleErrorCode] ?? domainStatus[code] ?? 500;
}

/**
 * An error response: the status and the body `{ error: { code, message, ...details } }`.
 * Route code returns one as an `Err` (never throws it) when a request cannot be served.
 */
export interface HttpFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A failure of `code`, its status from `statusOf`. */
export function failure(
  code: ConsoleErrorCode | string,
  message: string,
  extra: { details?: Record<string, unknown>; headers?: Record<string, string> } = {},
): HttpFailure {
  return { status: statusOf(code), code, message, ...extra };
}

/** A registry's or workflows' error (a `KeelError` with a code) as a failure; its `step`/`errors` kept. */
export function fromDomain(error: { code: string; message: string; step?: unknown; errors?: unknown }): HttpFailure {
  const details: Record<string, unknown> = {};
  if (error.step !== undefined) details.step = error.step;
  if (error.errors !== undefined) details.errors = error.errors;
  return failure(error.code, error.message, Object.keys(details).length ? { details } : {});
}
