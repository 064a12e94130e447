import { AuthError, type Clock, type Kv, type OidcLoginOptions, type OidcRedirect } from '@keel/core';
import { createGithubFlow, githubCapabilities } from './github-flow.js';
import { createOidcFlow, oidcCapabilities, type SignInIdentity } from './oidc-flow.js';
import { isGithub, type ResolvedSignInProvider } from './oidc-options.js';
import { createSignInStates } from './sign-in-state.js';
import type { KvKeys } from './store-results.js';

export type SignInFlow = ReturnType<typeof createSignInFlow>;

/**
 * Sign-in at the configured providers, by name: OpenID providers through the OIDC flow, GitHub
 * through its OAuth 2 flow. Both keep their state the same way (`sign-in-state.ts`).
 */
export function createSignInFlow(
  providers: ReadonlyMap<string, ResolvedSignInProvider>,
  kv: Kv,
  keys: KvKeys,
  clock: Clock,
  stateTtlMs: number,
) {
  const states = createSignInStates(kv, keys, clock, stateTtlMs);
  const oidc = createOidcFlow(states, clock);
  const github = createGithubFlow(states);

  function provider(name: string): ResolvedSignInProvider {
    const found = providers.get(name);
    if (!found)
      throw new AuthError({
        code: 'INVALID_ARGUMENT',
        message: `no sign-in provider named '${name}' (known: ${[...providers.keys()].join(', ')})`,
      });
    return found;
  }

  return {
    /** Each provider's kind and what it offers (PKCE, an ID token, an end-session URL), as data (for `health`). */
    describe: () =>
      Object.fromEntries(
        [...providers.values()].map((p) => [
          p.name,
          isGithub(p) ? { kind: 'github', ...githubCapabilities } : { kind: 'oidc', ...oidcCapabilities },
        ]),
      ),

    /** The provider's authorization URL; the sign-in's state is stored under its hash. */
    begin(name: string, options: OidcLoginOptions): Promise<OidcRedirect> {
      const p = provider(name);
      return isGithub(p) ? github.begin(p, options) : oidc.begin(p, options);
    },

    /** Who signed in, after every check of the callback. */
    complete(name: string, params: Readonly<Record<string, string>>): Promise<SignInIdentity> {
      const p = provider(name);
      return isGithub(p) ? github.complete(p, params) : oidc.complete(p, params);
    },

    /** The provider's RP-initiated logout URL, when it has one (GitHub has none). */
    async endSessionUrl(name: string, idToken: string | undefined): Promise<string | undefined> {
      const p = providers.get(name);
      // GitHub has no end-session URL (githubCapabilities.endSession).
      if (!p || isGithub(p)) return undefined;
      return oidc.endSessionUrl(p, idToken);
    },
  };
}
