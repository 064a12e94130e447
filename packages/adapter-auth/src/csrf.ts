import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from './auth-crypto.js';
import { serializeCookie, type CookieOptions } from './session-cookie.js';

/** Options of `createCsrfProtection`. */
export interface CsrfOptions {
  /** At least 32 random bytes (or a string of 32+ characters), kept secret and shared by your servers. */
  readonly secret: string | Uint8Array;
  /** The cookie the page reads the token from (not HttpOnly, by design). @default '__Host-csrf' */
  readonly cookieName?: string;
  /** The header (or form field) the page sends it back in. @default 'x-csrf-token' */
  readonly headerName?: string;
}

/** A state-changing request as the CSRF check needs it. */
export interface CsrfRequest {
  readonly method: string;
  /** `principal.sessionId` of the request's session. */
  readonly sessionId: string;
  /** The token from the header or form field. */
  readonly token: string | null | undefined;
  /** The token from the CSRF cookie, when you use the double-submit cookie. */
  readonly cookieToken?: string | null | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * CSRF protection for cookie sessions: signed double-submit tokens (OWASP's recommended
 * variant). Each token is a random nonce plus an HMAC binding it to the session id, so a token
 * planted by an attacker (a cookie injected from a sibling subdomain) fails for the victim's
 * session; comparisons run in constant time. Issue a token after sign-in, set it with
 * `cookie()`, have the page send it back in `x-csrf-token`, and check every unsafe request.
 *
 * @example
 * const csrf = createCsrfProtection({ secret: process.env.CSRF_SECRET! });
 * res.setHeader('Set-Cookie', [sessionCookie(session.token, session.expiresAt), csrf.cookie(csrf.issue(session.principal.sessionId))]);
 * // on POST:
 * if (!csrf.check({ method: req.method, sessionId: principal.sessionId, token: req.headers['x-csrf-token'], cookieToken: readCookie(req.headers.cookie, csrf.cookieName) })) return res.status(403).end();
 */
export function createCsrfProtection(options: CsrfOptions) {
  const secret = typeof options?.secret === 'string' ? Buffer.from(options.secret) : options?.secret;
  if (!(secret instanceof Uint8Array) || secret.byteLength < 32)
    throw new TypeError('createCsrfProtection: secret must be at least 32 bytes');
  const cookieName = options.cookieName ?? '__Host-csrf';
  const headerName = (options.headerName ?? 'x-csrf-token').toLowerCase();
  const sign = (sessionId: string, nonce: string) =>
    createHmac('sha256', secret).update(`${sessionId.length}:${sessionId}:${nonce}`).digest('base64url');

  function verify(sessionId: string, token: string | null | undefined): boolean {
    if (typeof token !== 'string' || typeof sessionId !== 'string' || token.length > 200) return false;
    const [nonce, mac, extra] = token.split('.');
    if (!nonce || !mac || extra !== undefined) return false;
    return safeEqual(mac, sign(sessionId, nonce));
  }

  return {
    cookieName,
    headerName,
    /** A new token bound to the session. */
    issue(sessionId: string): string {
      const nonce = randomBytes(16).toString('base64url');
      return `${nonce}.${sign(sessionId, nonce)}`;
    },
    verify,
    /** Whether a request may proceed: safe methods always; others need a valid token (equal to the cookie's, when given). */
    check(request: CsrfRequest): boolean {
      if (SAFE_METHODS.has(request.method.toUpperCase())) return true;
      if (!verify(request.sessionId, request.token)) return false;
      if (request.cookieToken === undefined) return true;
      return typeof request.cookieToken === 'string' && safeEqual(request.cookieToken, request.token as string);
    },
    /** The `Set-Cookie` value for the token: readable by the page's script, Secure, SameSite=Lax, session-long. */
    cookie(token: string, overrides: Partial<CookieOptions> = {}): string {
      return serializeCookie(cookieName, token, {
        httpOnly: false,
        secure: true,
        sameSite: 'Lax',
        path: '/',
        ...overrides,
      });
    },
  };
}
