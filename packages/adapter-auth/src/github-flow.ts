import { AuthError, type OidcLoginOptions, type OidcRedirect } from '@keel/core';
import {
  ArcticFetchError,
  CodeChallengeMethod,
  OAuth2Client,
  OAuth2RequestError,
  type OAuth2Tokens,
  UnexpectedErrorResponseBodyError,
  UnexpectedResponseError,
  generateCodeVerifier,
  generateState,
} from 'arctic';
import type { ResolvedGithubProvider } from './github-options.js';
import type { SignInIdentity } from './oidc-flow.js';
import type { SignInStates } from './sign-in-state.js';

/** What GitHub's sign-in offers, as data: PKCE (S256) yes; no ID token, so no end-session URL either. */
export const githubCapabilities = Object.freeze({ pkce: true, idToken: false, endSession: false });

/** One entry of `GET /user/emails` (GitHub's REST API). */
interface GithubEmail {
  readonly email: string;
  readonly primary: boolean;
  readonly verified: boolean;
}

export type GithubFlow = ReturnType<typeof createGithubFlow>;

/**
 * Sign-in with GitHub, which is OAuth 2 without OpenID Connect: the authorization code flow with
 * PKCE through arctic's generic `OAuth2Client` (arctic's `GitHub` client has its endpoints fixed
 * to github.com and sends no PKCE), then `GET /user` for the stable numeric id and
 * `GET /user/emails` for the primary email, taken only when GitHub has verified it. State,
 * browser binding and single use are those of every provider (`sign-in-state.ts`).
 */
export function createGithubFlow(states: SignInStates) {
  const clientOf = (p: ResolvedGithubProvider) => new OAuth2Client(p.clientId, p.clientSecret, p.redirectUri);

  return {
    async begin(p: ResolvedGithubProvider, options: OidcLoginOptions): Promise<OidcRedirect> {
      const state = generateState();
      const verifier = generateCodeVerifier();
      await states.store(state, { p: p.name, cv: verifier }, options);
      const url = clientOf(p).createAuthorizationURLWithPKCE(
        `${trimmed(p.baseUrl)}/login/oauth/authorize`,
        state,
        CodeChallengeMethod.S256,
        verifier,
        [...p.scopes],
      );
      if (options.loginHint) url.searchParams.set('login', options.loginHint);
      return { url: url.href, state };
    },

    /** Spends the state, exchanges the code (once), then reads the user and its verified primary email. */
    async complete(
      p: ResolvedGithubProvider,
      callbackParams: Readonly<Record<string, string>>,
    ): Promise<SignInIdentity> {
      const { record, params } = await states.spend(p.name, callbackParams);
      if (!params.code) throw new AuthError({ code: 'INVALID_TOKEN', message: `${p.name}: the callback has no code` });
      const accessToken = await exchange(p, clientOf(p), params.code, record.cv);
      const user = await api<{ id?: unknown }>(p, accessToken, '/user');
      if (typeof user.id !== 'number' && typeof user.id !== 'string') {
        throw new AuthError({ code: 'PROVIDER_ERROR', message: `${p.name}: /user answered no id` });
      }
      const emails = await api<unknown>(p, accessToken, '/user/emails');
      const primary = Array.isArray(emails) ? (emails as GithubEmail[]).find((e) => e?.primary === true) : undefined;
      // An unverified address is anyone's claim: it neither creates nor links an account.
      if (primary?.verified !== true || typeof primary.email !== 'string') {
        throw new AuthError({
          code: 'ACCESS_DENIED',
          message: `${p.name}: the account's primary email is not verified at GitHub (verify it there, then sign in again)`,
        });
      }
      return {
        provider: p,
        // The numeric id: a login can be renamed and then taken by someone else.
        subject: String(user.id),
        email: primary.email.trim().toLowerCase(),
        emailVerified: true,
        idToken: undefined,
        returnTo: record.rt,
      };
    },
  };
}

/**
 * The code exchange. arctic's requests take no `AbortSignal`, so the wait is bounded by a timer:
 * past `timeoutMs` the sign-in fails (`PROVIDER_ERROR`) and the request's late answer is ignored.
 */
async function exchange(p: ResolvedGithubProvider, client: OAuth2Client, code: string, verifier: string) {
  const pending = client.validateAuthorizationCode(`${trimmed(p.baseUrl)}/login/oauth/access_token`, code, verifier);
  pending.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AuthError({ code: 'PROVIDER_ERROR', message: `${p.name}: the code exchange timed out` })),
      p.timeoutMs,
    );
  });
  let tokens: OAuth2Tokens;
  try {
    tokens = await Promise.race([pending, timeout]);
  } catch (error) {
    throw exchangeFailure(p, error);
  } finally {
    clearTimeout(timer);
  }
  // GitHub answers a refused exchange (a used or unknown code, a wrong verifier) with 200 and
  // `{ error }`, which arctic's generic client passes on as tokens.
  const data = tokens.data as { error?: unknown; error_description?: unknown; access_token?: unknown };
  if (typeof data.error === 'string') {
    const detail = typeof data.error_description === 'string' ? ` (${data.error_description})` : '';
    throw new AuthError({
      code: 'PROVIDER_ERROR',
      message: `${p.name}: the code exchange failed: ${data.error}${detail}`,
    });
  }
  if (typeof data.access_token !== 'string' || data.access_token === '') {
    throw new AuthError({ code: 'PROVIDER_ERROR', message: `${p.name}: the code exchange answered no access_token` });
  }
  return data.access_token;
}

function exchangeFailure(p: ResolvedGithubProvider, error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  const what = `${p.name}: the code exchange failed`;
  if (error instanceof OAuth2RequestError) {
    const detail = error.description ? ` (${error.description})` : '';
    return new AuthError({ code: 'PROVIDER_ERROR', message: `${what}: ${error.code}${detail}`, cause: error });
  }
  if (error instanceof UnexpectedResponseError || error instanceof UnexpectedErrorResponseBodyError) {
    return new AuthError({ code: 'PROVIDER_ERROR', message: `${what}: HTTP ${error.status}`, cause: error });
  }
  const reason = error instanceof ArcticFetchError ? (error.cause as Error)?.message : (error as Error)?.message;
  return new AuthError({ code: 'PROVIDER_ERROR', message: `${what}: ${reason ?? String(error)}`, cause: error });
}

/** A GET on GitHub's REST API with the user's token; any failure or timeout is `PROVIDER_ERROR`. */
async function api<T>(p: ResolvedGithubProvider, accessToken: string, path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${trimmed(p.apiBaseUrl)}${path}`, {
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${accessToken}`,
        'X-GitHub-Api-Version': '2022-11-28',
        // GitHub refuses API requests without one.
        'User-Agent': 'keel-adapter-auth',
      },
      signal: AbortSignal.timeout(p.timeoutMs),
    });
  } catch (error) {
    const reason = (error as Error)?.name === 'TimeoutError' ? 'timed out' : (error as Error)?.message;
    throw new AuthError({ code: 'PROVIDER_ERROR', message: `${p.name}: GET ${path} ${reason}`, cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    const hint = path === '/user/emails' && response.status === 404 ? ' (ask for the user:email scope)' : '';
    throw new AuthError({
      code: 'PROVIDER_ERROR',
      message: `${p.name}: GET ${path} answered ${response.status}${hint}`,
    });
  }
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw new AuthError({ code: 'PROVIDER_ERROR', message: `${p.name}: GET ${path} answered no JSON`, cause: error });
  }
}

const trimmed = (url: string) => url.replace(/\/+$/, '');
