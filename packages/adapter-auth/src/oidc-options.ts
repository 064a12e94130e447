import { boolean, fn, integer, maxTimerMs, option, required, string, text } from '@keel/core/adapter';
import * as v from 'valibot';
import { defaultIdTokenAlgorithms } from './oidc-providers.js';
import { crossChecked, readonlyArray } from './schema-helpers.js';

type LogoutUrl = (params: {
  readonly idToken: string | undefined;
  readonly postLogoutRedirectUri: string | undefined;
  readonly clientId: string;
}) => string | undefined;

const names = (what: string) => readonlyArray(text(), `expected an array of ${what}`);

// `none` and HMAC: a public-key provider's ID token must never be checked with a shared secret.
const unsafeAlgorithms = (list: readonly string[]) => list.filter((a) => a === 'none' || /^HS/i.test(a));

/** One OpenID provider, by issuer. Okta and Auth0 have presets (`okta()`, `auth0()`). */
export const oidcProviderOptions = crossChecked(
  v.strictObject({
    name: required(text(), 'The name `beginOidcLogin` and `completeOidcLogin` take, such as `okta` or `google`.'),
    issuer: required(
      text(),
      'The issuer URL; its discovery document is read from `/.well-known/openid-configuration`.',
    ),
    clientId: required(text(), 'The client id the provider gave the app.'),
    clientSecret: option(text(), {
      description:
        'For confidential clients (sent with HTTP Basic). Omit for a public client: PKCE alone then protects the code.',
    }),
    redirectUri: required(text(), 'Your callback URL, registered with the provider; it receives `code` and `state`.'),
    scopes: option(
      v.pipe(
        names('scopes'),
        v.check((list) => list.includes('openid'), "must include 'openid'"),
      ),
      { default: ['openid', 'email', 'profile'], description: 'The scopes asked for; `openid` must be one.' },
    ),
    postLogoutRedirectUri: option(text(), {
      description: 'Where the provider sends the browser after RP-initiated logout (registered with the provider).',
    }),
    authorizationParams: option(v.record(v.string(), string(), 'expected an object of strings'), {
      default: {},
      description: "Extra authorization parameters (Auth0's `audience`, Okta's `idp`, …).",
    }),
    algorithms: option(
      v.pipe(
        names('algorithm names'),
        v.check(
          (list) => unsafeAlgorithms(list).length === 0,
          (issue) =>
            `${unsafeAlgorithms(issue.input as readonly string[]).join(', ')} cannot verify an ID token from a ` +
            'public-key provider',
        ),
      ),
      {
        default: defaultIdTokenAlgorithms,
        defaultText: 'RS256–512, PS256–512, ES256–512, EdDSA',
        description: 'ID-token signature algorithms accepted. `none` and HMAC (`HS*`) are refused.',
      },
    ),
    createUsers: option(boolean(), {
      default: true,
      description: 'Create a local account for a new email. Off: only existing (linked or linkable) accounts sign in.',
    }),
    linkVerifiedEmail: option(boolean(), {
      default: false,
      description:
        'Link a first sign-in to the existing local account with its email when this provider says the email ' +
        'is verified (`email_verified: true`). Turn it on only for a provider whose `email_verified` you trust ' +
        'as much as your own verification email: whoever can make it claim an address (a multi-tenant issuer, ' +
        "the tenant's administrators, a connection that passes on another identity provider's claim) would " +
        "take over that address's account here. Off, such a sign-in is refused (`ACCESS_DENIED`); " +
        '`okta()` and `auth0()` leave it off too.',
    }),
    defaultRoles: option(names('role names'), {
      defaultText: "the adapter's `defaultRoles`",
      description: 'Roles of accounts created through this provider (each must be in `roles`).',
    }),
    clockToleranceSec: option(integer(0, 3600), {
      default: 30,
      description: 'Seconds of clock skew tolerated on `exp`, `iat` and `nbf`.',
    }),
    jwksCooldownMs: option(integer(0, maxTimerMs), {
      default: 30_000,
      description: 'How soon the JWKS may be fetched again for a `kid` it did not have (key rotation), in ms.',
    }),
    logoutUrl: option(fn<LogoutUrl>('a function ({ idToken, postLogoutRedirectUri, clientId }) => URL'), {
      description: "An end-session URL for providers without `end_session_endpoint` (Auth0's legacy `/v2/logout`).",
    }),
    allowInsecureRequests: option(
      v.pipe(
        boolean(),
        v.check(
          (on) => !(on && process.env.NODE_ENV === 'production'),
          'is for local tests only and refused when NODE_ENV is production',
        ),
      ),
      { default: false, description: 'Plain `http://` to the provider: for tests against a local issuer only.' },
    ),
  }),
  [['issuer'], ['redirectUri'], ['allowInsecureRequests']],
  (p) =>
    (['issuer', 'redirectUri'] as const)
      .filter((field) => {
        const url = URL.canParse(p[field]) ? new URL(p[field]) : undefined;
        if (!url) return true;
        // A callback on this machine is safe over http (the browser never leaves it).
        return url.protocol !== 'https:' && !(p.allowInsecureRequests || (field === 'redirectUri' && isLocal(url)));
      })
      .map((field) => ({ path: [field], problem: 'expected an https:// URL', value: p[field] })),
);

/** One OpenID provider (an entry of `oidc.providers`). */
export type OidcProviderOptions = v.InferInput<typeof oidcProviderOptions>;
/** A provider with every default filled in. */
export type ResolvedOidcProvider = Readonly<v.InferOutput<typeof oidcProviderOptions>>;

/** The providers, by name (each name once). */
function providerList(atLeast: number) {
  const list = v.pipe(
    readonlyArray(oidcProviderOptions, 'expected an array of providers (okta(), auth0() or { name, issuer, … })'),
    v.minLength(atLeast, 'expected at least one provider'),
  );
  return v.pipe(
    crossChecked(list, [], (providers) =>
      providers.flatMap((p, i) =>
        typeof p?.name === 'string' && providers.findIndex((other) => other?.name === p.name) < i
          ? [{ path: [i, 'name'], problem: 'is the name of an earlier provider too', value: p.name }]
          : [],
      ),
    ),
    v.transform((providers): ReadonlyMap<string, ResolvedOidcProvider> => new Map(providers.map((p) => [p.name, p]))),
  );
}

const providersDescription =
  'The OpenID providers: `okta()`, `auth0()` or `{ name, issuer, … }` (see _OIDC providers_).';
const stateTtlMs = option(integer(1000, maxTimerMs), {
  default: 10 * 60_000,
  description: 'How long a sign-in at a provider may take, in ms.',
});

/** `oidc` of `createLocalAuth`: sign-in through OpenID providers, none by default. */
export const oidcOptions = v.strictObject({
  providers: option(providerList(0), { default: [], description: providersDescription }),
  stateTtlMs,
});

/** `oidc` of `createOidcAuth`: at least one provider. */
export const oidcOnlyOptions = v.strictObject({
  providers: required(providerList(1), providersDescription),
  stateTtlMs,
});

function isLocal(url: URL): boolean {
  return (
    url.protocol === 'http:' &&
    (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]')
  );
}
