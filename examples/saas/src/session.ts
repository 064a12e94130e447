import type { IncomingMessage } from 'node:http';
import type { AuthPrincipal, Auth } from '@keel/core';
import { type createCsrfProtection, readCookie, sessionCookie, sessionCookieDefaults } from '@keel/adapter-auth';
import { HttpError } from './http-errors.js';

export type Csrf = ReturnType<typeof createCsrfProtection>;

/** Cookie sessions with double-submit CSRF tokens, on @keel/adapter-auth. */
export function createSessions(auth: Auth, csrf: Csrf) {
  return {
    token(req: IncomingMessage): string | undefined {
      return readCookie(req.headers.cookie, sessionCookieDefaults.name);
    },
    /** The signed-in user, or `undefined`. */
    async optional(req: IncomingMessage): Promise<AuthPrincipal | undefined> {
      const token = this.token(req);
      if (!token) return undefined;
      const principal = await auth.verifySession(token);
      return principal.isOk() ? principal.value : undefined;
    },
    /** The signed-in user; 401 without a valid session, 403 when a change lacks its CSRF token. */
    async required(req: IncomingMessage): Promise<AuthPrincipal> {
      const principal = await this.optional(req);
      if (!principal) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first');
      const header = req.headers[csrf.headerName];
      const token = Array.isArray(header) ? header[0] : header;
      if (
        !csrf.check({
          method: req.method ?? 'GET',
          sessionId: principal.sessionId,
          token,
          cookieToken: readCookie(req.headers.cookie, csrf.cookieName),
        })
      ) {
        throw new HttpError(
          403,
          'CSRF_REJECTED',
          `Send the CSRF token (cookie ${csrf.cookieName}) back in the ${csrf.headerName} header`,
        );
      }
      return principal;
    },
    /** Set-Cookie values for a new session and its CSRF token. */
    cookies(session: { token: string; expiresAt: number; principal: AuthPrincipal }): {
      cookies: string[];
      csrfToken: string;
    } {
      const csrfToken = csrf.issue(session.principal.sessionId);
      return { cookies: [sessionCookie(session.token, session.expiresAt), csrf.cookie(csrfToken)], csrfToken };
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
