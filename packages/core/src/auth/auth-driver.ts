import type { HealthDetail } from '../lifecycle/health.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import type { AuthCapabilities } from './auth-capabilities.js';
import type {
  AuthCredentials,
  AuthPrincipal,
  AuthRegistration,
  AuthRequestContext,
  AuthSession,
  AuthTokenPair,
  AuthUser,
  OidcLogin,
  OidcLoginOptions,
  OidcRedirect,
} from './auth-contract.js';

/**
 * What an auth adapter implements. Core checks and normalises every argument first: emails
 * arrive trimmed and lower-cased, passwords NFKC-normalised, `context` and `options` always as
 * objects, OIDC parameters as a plain object, malformed tokens never arrive at all. Core also
 * answers `UNSUPPORTED` for an operation whose capability is off, so those methods are optional.
 *
 * A driver throws an `AuthError` with the right code for expected failures; anything else
 * becomes `INTERNAL`. `authorize` defaults to matching `principal.permissions` (see
 * `permissionMatches`).
 */
export interface AuthDriver {
  readonly adapter: string;
  readonly capabilities: AuthCapabilities;
  open?(): MaybePromise<void>;
  close?(): MaybePromise<void>;
  health?(): MaybePromise<HealthDetail>;

  verifySession(token: string): MaybePromise<AuthPrincipal>;
  logout(token: string): MaybePromise<string | undefined>;
  logoutEverywhere(userId: string): MaybePromise<number>;
  revokeSession(sessionId: string): MaybePromise<boolean>;
  verifyEmail(token: string): MaybePromise<void>;
  getUser(userId: string): MaybePromise<AuthUser | undefined>;
  setRoles(userId: string, roles: readonly string[]): MaybePromise<void>;
  /** `true` when allowed. */
  authorize?(principal: AuthPrincipal, permission: string): MaybePromise<boolean>;

  /** With `passwords`. */
  register?(registration: AuthRegistration, context: AuthRequestContext): MaybePromise<AuthUser>;
  login?(credentials: AuthCredentials, context: AuthRequestContext): MaybePromise<AuthSession>;
  changePassword?(token: string, currentPassword: string, newPassword: string): MaybePromise<AuthSession>;
  completePasswordReset?(token: string, newPassword: string, context: AuthRequestContext): MaybePromise<void>;
  /** With `passwords` and `tokenDelivery`. */
  requestPasswordReset?(email: string, context: AuthRequestContext): MaybePromise<void>;
  /** With `tokenDelivery`. */
  requestEmailVerification?(userId: string): MaybePromise<void>;
  /** With `accessTokens`. */
  verifyAccessToken?(token: string): MaybePromise<AuthPrincipal>;
  refresh?(refreshToken: string, context: AuthRequestContext): MaybePromise<AuthTokenPair>;
  /** With `oidc`. */
  beginOidcLogin?(provider: string, options: OidcLoginOptions): MaybePromise<OidcRedirect>;
  completeOidcLogin?(
    provider: string,
    params: Readonly<Record<string, string>>,
    context: AuthRequestContext,
  ): MaybePromise<OidcLogin>;
}
