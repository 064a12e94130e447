import type { GithubProviderOptions } from './github-options.js';
import type { OidcProviderOptions } from './oidc-options.js';

/** The ID-token algorithms accepted unless a provider narrows them: every asymmetric JWS algorithm, never `none` or `HS*`. */
export const defaultIdTokenAlgorithms = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]);

// The presets leave `linkVerifiedEmail` off: what `email_verified` says at Okta or Auth0 is up to
// whoever runs the tenant (its administrators can create users with any address and mark it
// verified, and Auth0's enterprise, social and custom-database connections pass on what their
// source says), and a preset cannot know whether that is the app's own team.
type PresetOptions = Omit<OidcProviderOptions, 'name' | 'issuer'> & { readonly name?: string };

/**
 * Okta: the org's custom authorization server (`default` unless told), or the org authorization
 * server with `authorizationServerId: null`.
 *
 * @example
 * okta({ domain: 'acme.okta.com', clientId, clientSecret, redirectUri: 'https://app.acme.test/auth/okta/callback' })
 */
export function okta(
  options: PresetOptions & { readonly domain: string; readonly authorizationServerId?: string | null },
): OidcProviderOptions {
  const { domain, authorizationServerId = 'default', ...rest } = options;
  const host = checkDomain('okta', domain);
  const issuer =
    authorizationServerId === null
      ? `https://${host}`
      : `https://${host}/oauth2/${encodeURIComponent(authorizationServerId)}`;
  return { name: 'okta', ...rest, issuer };
}

/**
 * Auth0: the tenant's issuer (with its trailing slash). When the tenant has not enabled OIDC
 * RP-initiated logout, the legacy `/v2/logout` URL is used.
 *
 * @example
 * auth0({ domain: 'acme.eu.auth0.com', clientId, clientSecret, redirectUri, audience: 'https://api.acme.test' })
 */
export function auth0(
  options: PresetOptions & { readonly domain: string; readonly audience?: string },
): OidcProviderOptions {
  const { domain, audience, ...rest } = options;
  const host = checkDomain('auth0', domain);
  return {
    name: 'auth0',
    ...rest,
    issuer: `https://${host}/`,
    ...(audience || rest.authorizationParams
      ? { authorizationParams: { ...rest.authorizationParams, ...(audience ? { audience } : {}) } }
      : {}),
    logoutUrl:
      rest.logoutUrl ??
      (({ postLogoutRedirectUri, clientId }) => {
        const url = new URL(`https://${host}/v2/logout`);
        url.searchParams.set('client_id', clientId);
        if (postLogoutRedirectUri) url.searchParams.set('returnTo', postLogoutRedirectUri);
        return url.href;
      }),
  };
}

/**
 * Google, as an OpenID provider: issuer `https://accounts.google.com` (another for tests), PKCE,
 * and Google's ID token carries `email` and `email_verified`. Google has no RP-initiated logout.
 *
 * @example
 * google({ clientId, clientSecret, redirectUri: 'https://app.acme.test/auth/google/callback' })
 */
export function google(
  options: Omit<OidcProviderOptions, 'name' | 'issuer'> & { readonly name?: string; readonly issuer?: string },
): OidcProviderOptions {
  return { name: 'google', issuer: 'https://accounts.google.com', ...options };
}

/**
 * GitHub (OAuth 2, not OpenID Connect): sign-in through `github.com/login/oauth`, then the REST
 * API's `/user` and `/user/emails`; the email is the primary one, only when GitHub verified it.
 * `baseUrl` and `apiBaseUrl` point it at GitHub Enterprise (or a test server).
 *
 * @example
 * github({ clientId, clientSecret, redirectUri: 'https://app.acme.test/auth/github/callback' })
 */
export function github(options: Omit<GithubProviderOptions, 'kind'>): GithubProviderOptions {
  return { ...options, kind: 'github' };
}

function checkDomain(preset: string, domain: string): string {
  if (typeof domain !== 'string' || !/^[a-z0-9.-]+(:\d+)?$/i.test(domain)) {
    throw new TypeError(
      `${preset}: domain must be a host name such as 'acme.${preset === 'okta' ? 'okta' : 'eu.auth0'}.com' (no scheme or path), got ${JSON.stringify(domain)}`,
    );
  }
  return domain.toLowerCase();
}
