import { integer, option, required, text, readonlyArray } from '@keel/core/adapter';
import * as v from 'valibot';
import { accountLinking, allowInsecureRequests, httpsProblems } from './provider-options.js';
import { crossChecked } from './schema-helpers.js';

/**
 * Sign-in with GitHub (OAuth 2, not OpenID Connect): an entry of `oidc.providers` with
 * `kind: 'github'`, usually made by `github()`. The email is the account's primary email, and only
 * when GitHub has verified it.
 */
export const githubProviderOptions = crossChecked(
  v.strictObject({
    kind: required(
      v.literal('github', "expected 'github'"),
      "`'github'` for GitHub (OAuth 2, not OIDC; `github()` sets it), absent for an OpenID provider.",
    ),
    name: option(text(), { default: 'github', description: 'The name `beginOidcLogin` and `completeOidcLogin` take.' }),
    clientId: required(text(), "The OAuth app's (or GitHub App's) client id."),
    clientSecret: required(text(), 'Its client secret (sent with HTTP Basic to the token endpoint).'),
    redirectUri: required(text(), 'Your callback URL, registered with the app; it receives `code` and `state`.'),
    scopes: option(readonlyArray(text(), 'expected an array of scopes'), {
      default: ['read:user', 'user:email'],
      description: 'The scopes asked for; `user:email` lets the adapter read the verified emails.',
    }),
    baseUrl: option(text(), {
      default: 'https://github.com',
      description:
        'GitHub: where `/login/oauth/authorize` and `/login/oauth/access_token` are (GitHub Enterprise: its host).',
    }),
    apiBaseUrl: option(text(), {
      default: 'https://api.github.com',
      description: 'GitHub: where `/user` and `/user/emails` are (GitHub Enterprise Server: `https://HOST/api/v3`).',
    }),
    timeoutMs: option(integer(1, 120_000), {
      default: 10_000,
      description: 'GitHub: how long each request (code exchange, user, emails) may take, in ms.',
    }),
    ...accountLinking,
    allowInsecureRequests,
  }),
  [['baseUrl'], ['apiBaseUrl'], ['redirectUri'], ['allowInsecureRequests']],
  (p) => httpsProblems(p, ['baseUrl', 'apiBaseUrl'], p.allowInsecureRequests),
);

/** A GitHub provider (an entry of `oidc.providers`). */
export type GithubProviderOptions = v.InferInput<typeof githubProviderOptions>;
/** A GitHub provider with every default filled in. */
export type ResolvedGithubProvider = Readonly<v.InferOutput<typeof githubProviderOptions>>;
