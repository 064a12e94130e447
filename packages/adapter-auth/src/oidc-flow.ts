import type { Clock } from '@keel/core';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import * as client from 'openid-client';
import { AuthError, type OidcLoginOptions, type OidcRedirect } from '@keel/core';
import type { ResolvedOidcProvider } from './oidc-options.js';
import type { SignInStates } from './sign-in-state.js';

/** What a completed sign-in tells about the user, after every check (any provider kind). */
export interface SignInIdentity {
  /** The provider's account-linking rules. */
  readonly provider: Pick<ResolvedOidcProvider, 'name' | 'createUsers' | 'linkVerifiedEmail' | 'defaultRoles'>;
  readonly subject: string;
  readonly email: string | undefined;
  /** Only `true` when the provider says so (`email_verified: true`, GitHub's `verified`). */
  readonly emailVerified: boolean;
  /** For the end-session URL; GitHub has none. */
  readonly idToken: string | undefined;
  readonly returnTo: string | undefined;
}

// Failures that mean the provider's answer did not pass validation (a forged, replayed or
// misdirected token), as opposed to the provider being down or refusing.
const VALIDATION_CODES = new Set([
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_PARSE_ERROR',
]);

export type OidcFlow = ReturnType<typeof createOidcFlow>;

/**
 * What an OpenID provider's sign-in offers, as data: PKCE (S256), an ID token, and an end-session
 * URL at logout (the discovery document's `end_session_endpoint`, or the provider's `logoutUrl`).
 */
export const oidcCapabilities = Object.freeze({ pkce: true, idToken: true, endSession: true });

/**
 * The authorization code flow with PKCE (S256), through `openid-client`: state, nonce and the
 * code verifier stay server-side in kv (single use, expiring), the callback must come from the
 * browser that started the sign-in (`oidc-binding.ts`), the code is exchanged once, and
 * the ID token is verified again with `jose` against the provider's JWKS (cached, fetched anew
 * for an unknown `kid`) with an algorithm allow-list, checking iss, aud, exp, iat, nonce and azp.
 */
export function createOidcFlow(states: SignInStates, clock: Clock) {
  const configs = new Map<
    string,
    Promise<{ config: client.Configuration; jwks: ReturnType<typeof createRemoteJWKSet> }>
  >();

  /** Discovery, once per provider; a failure is forgotten so that the next sign-in tries again. */
  function discover(p: ResolvedOidcProvider) {
    let pending = configs.get(p.name);
    if (!pending) {
      pending = (async () => {
        const auth = p.clientSecret === undefined ? client.None() : client.ClientSecretBasic(p.clientSecret);
        const metadata: Partial<client.ClientMetadata> = { [client.clockTolerance]: p.clockToleranceSec };
        const config = await client.discovery(new URL(p.issuer), p.clientId, metadata, auth, {
          execute: p.allowInsecureRequests ? [client.allowInsecureRequests] : [],
          // In seconds; the configuration keeps it for every later request (code exchange, userinfo).
          timeout: p.timeoutMs / 1000,
        });
        const jwksUri = config.serverMetadata().jwks_uri;
        if (!jwksUri)
          throw new AuthError({ code: 'PROVIDER_ERROR', message: `${p.name}: the discovery document has no jwks_uri` });
        const jwks = createRemoteJWKSet(new URL(jwksUri), {
          cooldownDuration: p.jwksCooldownMs,
          cacheMaxAge: 10 * 60_000,
          timeoutDuration: p.timeoutMs,
        });
        return { config, jwks };
      })();
      configs.set(p.name, pending);
      pending.catch(() => configs.delete(p.name));
    }
    return pending.catch((error: unknown) => {
      throw failure(error, `${p.name}: discovery failed`);
    });
  }

  async function verifyIdToken(
    p: ResolvedOidcProvider,
    config: client.Configuration,
    jwks: ReturnType<typeof createRemoteJWKSet>,
    idToken: string,
    nonce: string,
  ): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, jwks, {
        issuer: config.serverMetadata().issuer,
        audience: p.clientId,
        algorithms: [...p.algorithms],
        currentDate: new Date(clock.now()),
        clockTolerance: p.clockToleranceSec,
        requiredClaims: ['sub', 'iat', 'exp'],
      }));
    } catch (error) {
      throw new AuthError({
        code: 'INVALID_TOKEN',
        message: `${p.name}: the ID token failed verification (${(error as Error).message})`,
        cause: error,
      });
    }
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (payload.nonce !== nonce)
      throw new AuthError({ code: 'INVALID_TOKEN', message: `${p.name}: the ID token's nonce does not match` });
    if ((audiences.length > 1 || payload.azp !== undefined) && payload.azp !== p.clientId) {
      throw new AuthError({
        code: 'INVALID_TOKEN',
        message: `${p.name}: the ID token was issued to another party (azp)`,
      });
    }
    return payload;
  }

  return {
    /** The authorization URL; state, nonce and PKCE verifier are stored under the state's hash. */
    async begin(p: ResolvedOidcProvider, options: OidcLoginOptions): Promise<OidcRedirect> {
      const { config } = await discover(p);
      const state = client.randomState();
      const nonce = client.randomNonce();
      const verifier = client.randomPKCECodeVerifier();
      await states.store(state, { p: p.name, cv: verifier, n: nonce }, options);
      const url = client.buildAuthorizationUrl(config, {
        ...p.authorizationParams,
        redirect_uri: p.redirectUri,
        scope: p.scopes.join(' '),
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        ...(options.loginHint ? { login_hint: options.loginHint } : {}),
      });
      return { url: url.href, state };
    },

    /**
     * Checks the browser binding, spends the state, exchanges the code, verifies the ID token,
     * reads userinfo when the ID token has no email.
     */
    async complete(p: ResolvedOidcProvider, callbackParams: Readonly<Record<string, string>>): Promise<SignInIdentity> {
      const { state, record, params } = await states.spend(p.name, callbackParams);
      const nonce = record.n ?? '';
      const { config, jwks } = await discover(p);
      const callback = new URL(p.redirectUri);
      for (const [k, v] of Object.entries(params)) callback.searchParams.set(k, v);
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: record.cv,
          expectedState: state,
          expectedNonce: nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw failure(error, `${p.name}: the code exchange failed`);
      }
      const idToken = tokens.id_token as string;
      const claims = await verifyIdToken(p, config, jwks, idToken, nonce);
      let email = typeof claims.email === 'string' ? claims.email : undefined;
      let verified = claims.email_verified === true;
      if (email === undefined && config.serverMetadata().userinfo_endpoint) {
        try {
          const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub as string);
          email = typeof info.email === 'string' ? info.email : undefined;
          verified = info.email_verified === true;
        } catch (error) {
          throw failure(error, `${p.name}: userinfo failed`);
        }
      }
      return {
        provider: p,
        subject: claims.sub as string,
        email: email?.trim().toLowerCase(),
        emailVerified: verified,
        idToken,
        returnTo: record.rt,
      };
    },

    /** The provider's RP-initiated logout URL, when it has one. */
    async endSessionUrl(p: ResolvedOidcProvider, idToken: string | undefined): Promise<string | undefined> {
      const { config } = await discover(p);
      if (config.serverMetadata().end_session_endpoint) {
        return client.buildEndSessionUrl(config, {
          client_id: p.clientId,
          ...(idToken ? { id_token_hint: idToken } : {}),
          ...(p.postLogoutRedirectUri ? { post_logout_redirect_uri: p.postLogoutRedirectUri } : {}),
        }).href;
      }
      return p.logoutUrl?.({ idToken, postLogoutRedirectUri: p.postLogoutRedirectUri, clientId: p.clientId });
    },
  };
}

/** An `AuthError` for whatever openid-client or the network threw. */
function failure(error: unknown, what: string): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof client.AuthorizationResponseError) {
    return new AuthError({
      code: error.error === 'access_denied' ? 'ACCESS_DENIED' : 'PROVIDER_ERROR',
      message: `${what}: ${error.error}`,
      cause: error,
    });
  }
  if (error instanceof client.ResponseBodyError) {
    return new AuthError({
      code: 'PROVIDER_ERROR',
      message: `${what}: the provider answered ${error.error}${error.error_description ? ` (${error.error_description})` : ''}`,
      cause: error,
    });
  }
  const code = (error as { code?: unknown })?.code;
  if (error instanceof client.ClientError && typeof code === 'string' && VALIDATION_CODES.has(code)) {
    const reason = error.cause instanceof Error ? error.cause.message : error.message;
    return new AuthError({ code: 'INVALID_TOKEN', message: `${what}: ${reason}`, cause: error });
  }
  return new AuthError({
    code: 'PROVIDER_ERROR',
    message: `${what}: ${(error as Error)?.message ?? String(error)}`,
    cause: error,
  });
}
