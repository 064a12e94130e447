import { fn, integer, maxTimerMs, option, required, string, text, readonlyArray } from '@keel/core/adapter';
import * as v from 'valibot';
import { defaultIdTokenAlgorithms } from './oidc-providers.js';
import { githubProviderOptions, type ResolvedGithubProvider } from './github-options.js';
import { accountLinking, allowInsecureRequests, httpsProblems, names } from './provider-options.js';
import { crossChecked } from './schema-helpers.js';

type LogoutUrl = (params: {
  readonly idToken: string | undefined;
  readonly postLogoutRedirectUri: string | undefined;
  readonly clientId: string;
}) => string | undefined;

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
    ...accountLinking,
    clockToleranceSec: option(integer(0, 3600), {
      default: 30,
      description: 'Seconds of clock skew tolerated on `exp`, `iat` and `nbf`.',
    }),
    jwksCooldownMs: option(integer(0, maxTimerMs), {
      default: 30_000,
      description: 'How soon the JWKS may be fetched again for a `kid` it did not have (key rotation), in ms.',
    }),
    timeoutMs: option(integer(1, 120_000), {
      default: 10_000,
      description: 'How long each request to the provider (discovery, code exchange, JWKS, userinfo) may take, in ms.',
    }),
    logoutUrl: option(fn<LogoutUrl>('a function ({ idToken, postLogoutRedirectUri, clientId }) => URL'), {
      description: "An end-session URL for providers without `end_session_endpoint` (Auth0's legacy `/v2/logout`).",
    }),
    allowInsecureRequests,
  }),
  [['issuer'], ['redirectUri'], ['allowInsecureRequests']],
  (p) => httpsProblems(p, ['issuer'], p.allowInsecureRequests),
);

/** One OpenID provider (an entry of `oidc.providers`). */
export type OidcProviderOptions = v.InferInput<typeof oidcProviderOptions>;
/** A provider with every default filled in. */
export type ResolvedOidcProvider = Readonly<v.InferOutput<typeof oidcProviderOptions>>;

/** Any provider of `oidc.providers`: OpenID (no `kind`) or GitHub (`kind: 'github'`). */
export type ResolvedSignInProvider = ResolvedOidcProvider | ResolvedGithubProvider;

/** Whether a provider is GitHub's (OAuth 2) rather than an OpenID provider. */
export const isGithub = (p: ResolvedSignInProvider): p is ResolvedGithubProvider => 'kind' in p && p.kind === 'github';

/** The providers, by name (each name once). */
function providerList(atLeast: number) {
  const list = v.pipe(
    readonlyArray(
      // Told apart by `kind`, so that a GitHub entry's problems are reported against its own fields.
      v.pipe(
        v.lazy((input): typeof oidcProviderOptions | typeof githubProviderOptions =>
          (input as { kind?: unknown } | undefined)?.kind === 'github' ? githubProviderOptions : oidcProviderOptions,
        ),
        v.metadata({ type: 'object', kinds: [oidcProviderOptions, githubProviderOptions] }),
      ),
      'expected an array of providers (okta(), auth0(), google(), github() or { name, issuer, … })',
    ),
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
    // Spelled out, not `ResolvedSignInProvider`: a union alias would be named in the declaration
    // files of packages that infer the adapters' types, where it cannot be reached.
    v.transform(
      (providers): ReadonlyMap<string, ResolvedOidcProvider | ResolvedGithubProvider> =>
        new Map(providers.map((p) => [p.name, p])),
    ),
  );
}

const providersDescription =
  'The sign-in providers: `okta()`, `auth0()`, `google()`, `github()` or `{ name, issuer, … }` (see _OIDC providers_).';
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
