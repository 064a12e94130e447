import type { IncomingMessage } from 'node:http';
import { type Auth, type AuthPrincipal, err, ok, type Result } from '@keel/core';
import { failure, type HttpFailure } from './console-errors.js';

/** Who is calling, and how: a cookie session needs the CSRF check on unsafe methods; a bearer token does not. */
export interface Caller {
  readonly principal: AuthPrincipal;
  readonly via: 'cookie' | 'bearer';
}

/**
 * Authenticates a request through the `auth` contract: `Authorization: Bearer <token>` (an
 * access token — a JWT — when it has three dot-separated parts, a session token otherwise), else
 * the session cookie. No credentials is 401 `UNAUTHENTICATED`; an unknown, revoked or expired one
 * is 401 `INVALID_TOKEN`; a failing auth store is 503.
 */
export async function authenticate(
  auth: Auth,
  req: IncomingMessage,
  cookieName: string,
): Promise<Result<Caller, HttpFailure>> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer +([A-Za-z0-9._~+/=-]{1,4096})$/i.exec(header);
    if (!match?.[1]) return err(failure('INVALID_TOKEN', 'the Authorization header is not `Bearer <token>`'));
    const token = match[1];
    const verified = token.split('.').length === 3 ? auth.verifyAccessToken(token) : auth.verifySession(token);
    return (await verified).map((principal) => ({ principal, via: 'bearer' as const })).mapErr(authFailure);
  }
  const token = readCookie(req.headers.cookie, cookieName);
  if (token === undefined)
    return err(failure('UNAUTHENTICATED', `sign in: send a session cookie (${cookieName}) or a bearer token`));
  return (await auth.verifySession(token))
    .map((principal) => ({ principal, via: 'cookie' as const }))
    .mapErr(authFailure);
}

/** `ACCESS_DENIED` as 403 `FORBIDDEN` naming the permission; other auth errors by kind. */
export async function authorize(
  auth: Auth,
  principal: AuthPrincipal,
  permission: string,
): Promise<Result<void, HttpFailure>> {
  const allowed = await auth.authorize(principal, permission);
  if (allowed.isOk()) return ok(undefined);
  if (allowed.error.code === 'ACCESS_DENIED')
    return err(failure('FORBIDDEN', `this needs the permission '${permission}'`, { details: { permission } }));
  return err(authFailure(allowed.error));
}

/**
 * The CSRF check for cookie sessions: an unsafe method must come with an `Origin` header naming
 * this host (`Host`) or a trusted origin. Browsers send `Origin` on every cross-site and
 * same-origin POST, PUT and DELETE and scripts cannot forge it, so a page elsewhere cannot make a
 * signed-in browser change anything; no token has to be threaded through pages. Bearer requests
 * skip it: a browser never adds that header on its own.
 */
export function checkOrigin(
  req: IncomingMessage,
  method: string,
  trusted: readonly string[],
): Result<void, HttpFailure> {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return ok(undefined);
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null')
    return err(failure('CSRF', 'a cookie-session request that changes something must carry an Origin header'));
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return err(failure('CSRF', `the Origin '${origin}' is not an origin`));
  }
  if (host === req.headers.host || trusted.some((t) => sameOrigin(t, origin))) return ok(undefined);
  return err(failure('CSRF', `requests from '${origin}' may not change anything here`));
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function authFailure(error: { code: string; message: string; retryAfterMs?: number }): HttpFailure {
  switch (error.code) {
    case 'INVALID_TOKEN':
    case 'EXPIRED':
    // A JWT sent to an auth that issues none (UNSUPPORTED), or a token the contract calls malformed.
    case 'UNSUPPORTED':
    case 'INVALID_ARGUMENT':
      return failure('INVALID_TOKEN', 'the session or token is not valid (expired, revoked or unknown): sign in again');
    case 'RATE_LIMITED':
      return failure('RATE_LIMITED', error.message, {
        headers: { 'Retry-After': String(Math.ceil((error.retryAfterMs ?? 1000) / 1000)) },
      });
    default:
      return { status: 503, code: 'AUTH_UNAVAILABLE', message: `authentication failed: ${error.code}` };
  }
}

/** One cookie's value from a `Cookie` header, or `undefined` (malformed percent-encoding included). */
function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
