/** One OpenID provider, by issuer. Okta and Auth0 have presets (`okta()`, `auth0()`). */
export interface OidcProviderOptions {
  /** The name `beginOidcLogin` and `completeOidcLogin` take, such as `okta` or `google`. */
  readonly name: string;
  /** The issuer URL; its discovery document is read from `/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly clientId: string;
  /** For confidential clients (sent with HTTP Basic). Omit for a public client: PKCE alone then protects the code. */
  readonly clientSecret?: string;
  /** Your callback URL, registered with the provider; it receives `code` and `state`. */
  readonly redirectUri: string;
  /** @default ['openid', 'email', 'profile'] */
  readonly scopes?: readonly string[];
  /** Where the provider sends the browser after RP-initiated logout (registered with the provider). */
  readonly postLogoutRedirectUri?: string;
  /** Extra authorization parameters (Auth0's `audience`, Okta's `idp`, …). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /**
   * ID-token signature algorithms accepted. `none` and HMAC (`HS*`) are refused: a public-key
   * provider's token is never checked with a shared secret.
   * @default ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']
   */
  readonly algorithms?: readonly string[];
  /** Create a local account for a new email. Off: only existing (linked or linkable) accounts sign in. @default true */
  readonly createUsers?: boolean;
  /**
   * A first sign-in whose email belongs to an existing local account links to that account when
   * this provider says the email is verified (`email_verified: true`). Turn it on only for a
   * provider whose `email_verified` you trust as much as your own verification email: whoever can
   * make it claim an address (a multi-tenant issuer, the tenant's administrators, a connection
   * that passes on another identity provider's claim) would take over that address's account
   * here. Off, such a sign-in is refused (`ACCESS_DENIED`) and the account stays as it is.
   * @default false (for `okta()` and `auth0()` too)
   */
  readonly linkVerifiedEmail?: boolean;
  /** Roles of accounts created through this provider. @default the adapter's `defaultRoles` */
  readonly defaultRoles?: readonly string[];
  /** Seconds of clock skew tolerated on `exp`, `iat` and `nbf`. @default 30 */
  readonly clockToleranceSec?: number;
  /** How soon the JWKS may be fetched again for a `kid` it did not have (key rotation). @default 30000 */
  readonly jwksCooldownMs?: number;
  /** An end-session URL for providers without `end_session_endpoint` (Auth0's legacy `/v2/logout`). */
  readonly logoutUrl?: (params: {
    readonly idToken: string | undefined;
    readonly postLogoutRedirectUri: string | undefined;
    readonly clientId: string;
  }) => string | undefined;
  /** Plain `http://` to the provider. For tests against a local issuer only; refused when NODE_ENV is `production`. @default false */
  readonly allowInsecureRequests?: boolean;
}

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

function checkDomain(preset: string, domain: string): string {
  if (typeof domain !== 'string' || !/^[a-z0-9.-]+(:\d+)?$/i.test(domain)) {
    throw new TypeError(
      `${preset}: domain must be a host name such as 'acme.${preset === 'okta' ? 'okta' : 'eu.auth0'}.com' (no scheme or path), got ${JSON.stringify(domain)}`,
    );
  }
  return domain.toLowerCase();
}
