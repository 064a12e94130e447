import type { ResultAsync } from 'neverthrow';
import type { AdapterLifecycle } from '../lifecycle/health.js';
import type { AuthCapabilities } from './auth-capabilities.js';
import type { AuthError } from './auth-errors.js';

/** WIT `auth.request-context`: where a request came from. Limits count per IP; sessions record both. */
export interface AuthRequestContext {
  /** The client's address, as your proxy reports it (`X-Forwarded-For` only from a proxy you trust). */
  readonly ip?: string;
  readonly userAgent?: string;
}

/** WIT `auth.registration`. */
export interface AuthRegistration {
  readonly email: string;
  readonly password: string;
}

/** WIT `auth.credentials`. */
export interface AuthCredentials {
  readonly email: string;
  readonly password: string;
}

/** WIT `auth.user`. Emails are stored trimmed and lower-cased. */
export interface AuthUser {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly roles: readonly string[];
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** WIT `auth.principal`: who a session or access token belongs to. */
export interface AuthPrincipal {
  readonly userId: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly roles: readonly string[];
  /** The permission patterns the roles grant (`posts:read`, `posts:*`, `*`); `authorize` matches against them. */
  readonly permissions: readonly string[];
  readonly sessionId: string;
}

/** WIT `auth.token-pair`: a short-lived JWT access token and the single-use refresh token that renews it. */
export interface AuthTokenPair {
  readonly accessToken: string;
  /** Milliseconds since the epoch. */
  readonly accessTokenExpiresAt: number;
  /** Exchange it once with `refresh`; presenting it again revokes the whole session. */
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: number;
}

/** WIT `auth.session`: what a sign-in returns. */
export interface AuthSession {
  readonly principal: AuthPrincipal;
  /** 256 random bits, base64url. Only its hash is stored; keep it in an HttpOnly cookie or send it as a bearer token. */
  readonly token: string;
  /** The session ends then however active it is (milliseconds since the epoch). */
  readonly expiresAt: number;
  /** The session ends then unless it is used before; each use moves this later. */
  readonly idleExpiresAt: number;
  /** Present when the adapter issues access tokens (`capabilities.accessTokens`). */
  readonly tokens: AuthTokenPair | undefined;
}

/** WIT `auth.oidc-login-options`; every field is optional on the TypeScript side. */
export interface OidcLoginOptions {
  /** Returned by `completeOidcLogin`, for sending the user back where they started. Keep it a relative path. */
  readonly returnTo?: string;
  /** Pre-fills the provider's sign-in form. */
  readonly loginHint?: string;
}

/** WIT `auth.oidc-redirect`. */
export interface OidcRedirect {
  /** Send the browser here (302). */
  readonly url: string;
  /** The `state` in the URL: kept server-side, single use, expiring. */
  readonly state: string;
}

/** WIT `auth.oidc-login`. */
export interface OidcLogin {
  readonly session: AuthSession;
  readonly returnTo: string | undefined;
}

/** The parameters of a provider's redirect back: an object, or the callback URL's `searchParams`. */
export type OidcCallbackParams = Readonly<Record<string, string>> | URLSearchParams;

/**
 * The operations of WIT interface `keel:infrastructure/auth`, name for name. A test compares this
 * interface with the WIT and fails when they drift. `context` and `options` may be omitted.
 */
export interface AuthOperations {
  register(registration: AuthRegistration, context?: AuthRequestContext): ResultAsync<AuthUser, AuthError>;
  login(credentials: AuthCredentials, context?: AuthRequestContext): ResultAsync<AuthSession, AuthError>;
  verifySession(token: string): ResultAsync<AuthPrincipal, AuthError>;
  verifyAccessToken(token: string): ResultAsync<AuthPrincipal, AuthError>;
  /** Rotates the refresh token: returns a new pair and spends the one given. */
  refresh(refreshToken: string, context?: AuthRequestContext): ResultAsync<AuthTokenPair, AuthError>;
  /** Ends the session; returns the provider's end-session URL for a session from an OpenID provider that has one. */
  logout(token: string): ResultAsync<string | undefined, AuthError>;
  /** Ends every session of the user; returns how many there were. */
  logoutEverywhere(userId: string): ResultAsync<number, AuthError>;
  /** Ends one session by `principal.sessionId`; `false` when it did not exist. */
  revokeSession(sessionId: string): ResultAsync<boolean, AuthError>;
  /** Ends every session of the user and returns a new one. */
  changePassword(token: string, currentPassword: string, newPassword: string): ResultAsync<AuthSession, AuthError>;
  /** Sends a reset token when the account exists; answers the same when it does not. */
  requestPasswordReset(email: string, context?: AuthRequestContext): ResultAsync<void, AuthError>;
  /** Sets the password, spends the token and ends every session of the user. */
  completePasswordReset(token: string, newPassword: string, context?: AuthRequestContext): ResultAsync<void, AuthError>;
  requestEmailVerification(userId: string): ResultAsync<void, AuthError>;
  verifyEmail(token: string): ResultAsync<void, AuthError>;
  getUser(userId: string): ResultAsync<AuthUser | undefined, AuthError>;
  /** Replaces the user's roles and ends their sessions, so that new privileges come with a new session. */
  setRoles(userId: string, roles: readonly string[]): ResultAsync<void, AuthError>;
  /** Ok when one of the principal's permissions matches `permission`; `ACCESS_DENIED` otherwise. */
  authorize(principal: AuthPrincipal, permission: string): ResultAsync<void, AuthError>;
  beginOidcLogin(provider: string, options?: OidcLoginOptions): ResultAsync<OidcRedirect, AuthError>;
  /** Takes the parameters of the provider's redirect (`code`, `state`, `iss`, or `error`). */
  completeOidcLogin(
    provider: string,
    params: OidcCallbackParams,
    context?: AuthRequestContext,
  ): ResultAsync<OidcLogin, AuthError>;
}

/**
 * Auth as callers get it: the contract operations, guarded by core, plus lifecycle.
 *
 * @example
 * const signedIn = await keel.auth.login({ email, password }, { ip: req.ip, userAgent: req.headers['user-agent'] });
 * if (signedIn.isErr()) return reply(signedIn.error.code === 'INVALID_CREDENTIALS' ? 401 : 429);
 * setCookie(sessionCookie(signedIn.value.token, signedIn.value.expiresAt));
 */
export interface Auth extends AuthOperations, AdapterLifecycle<AuthError> {
  readonly capabilities: AuthCapabilities;
}
