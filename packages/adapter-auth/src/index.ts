export {
  createLocalAuth,
  createOidcAuth,
  localAuthAdapter,
  oidcAuthAdapter,
  authAdapters,
  type LocalAuth,
} from './local-auth-adapter.js';
export {
  localAuthOptions,
  oidcAuthOptions,
  type LocalAuthOptions,
  type OidcAuthOptions,
} from './local-auth-options.js';
export { okta, auth0, google, github, defaultIdTokenAlgorithms } from './oidc-providers.js';
export { githubProviderOptions, type GithubProviderOptions } from './github-options.js';
export { oidcProviderOptions, type OidcProviderOptions } from './oidc-options.js';
export { createArgon2Hasher, defaultArgon2Params, type PasswordHasher } from './password-hasher.js';
export type { Argon2Params, PasswordPolicyOptions } from './password-options.js';
export { generateAccessTokenKey, type AccessTokenAlgorithm, type AccessTokenKey } from './access-tokens.js';
export type { AccessTokenOptions } from './access-token-options.js';
export { defaultBruteForce, type BruteForceOptions } from './brute-force-options.js';
export type { RoleMap } from './rbac.js';
export type { AuthTokenMessage, AuthTokenMessageKind } from './token-delivery.js';
export type { TokenMailOptions } from './mail-options.js';
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
    oidc: import('./local-auth-options.js').OidcAuthOptions;
  }
}
