export { createLocalAuth, createOidcAuth, type LocalAuth, type OidcAuthOptions } from './local-auth-adapter.js';
export type { LocalAuthOptions } from './local-auth-options.js';
export { okta, auth0, defaultIdTokenAlgorithms, type OidcProviderOptions } from './oidc-providers.js';
export { createArgon2Hasher, defaultArgon2Params, type Argon2Params, type PasswordHasher } from './password-hasher.js';
export type { PasswordPolicyOptions } from './password-policy.js';
export {
  generateAccessTokenKey,
  type AccessTokenAlgorithm,
  type AccessTokenKey,
  type AccessTokenOptions,
} from './access-tokens.js';
export { defaultBruteForce, type BruteForceOptions } from './brute-force.js';
export type { RoleMap } from './rbac.js';
export type { AuthTokenMessage, AuthTokenMessageKind, TokenMailOptions } from './token-delivery.js';
export { authMigrations, authMigrationScope, migrateAuthSchema } from './auth-migrations.js';
export { createCsrfProtection, type CsrfOptions, type CsrfRequest } from './csrf.js';
export {
  sessionCookie,
  clearSessionCookie,
  readCookie,
  sessionCookieDefaults,
  type CookieOptions,
} from './session-cookie.js';
export {
  oidcBindingCookie,
  clearOidcBindingCookie,
  oidcCallbackParams,
  oidcBindingCookieDefaults,
  oidcBindingParam,
} from './oidc-binding.js';

declare module '@keel/core' {
  interface AuthAdapterOptionsMap {
    local: import('./local-auth-options.js').LocalAuthOptions;
    oidc: import('./local-auth-adapter.js').OidcAuthOptions;
  }
}
