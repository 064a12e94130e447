import type { Clock, Kv } from '@keel/core';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import * as client from 'openid-client';
import { tokenHash } from './auth-crypto.js';
import { AuthError, type OidcLoginOptions, type OidcRedirect } from '@keel/core';
import type { ResolvedOidcProvider } from './oidc-options.js';
import { must, type KvKeys } from './store-results.js';
import { readRecord } from './kv-record.js';
import { bindingMatches, oidcBindingParam } from './oidc-binding.js';

/** What a completed sign-in tells about the user, after every check. */
export interface OidcIdentity {
  readonly provider: ResolvedOidcProvider;
  readonly subject: string;
  readonly email: string | undefined;
  /** Only `true` when the provider says so (`email_verified: true`). */
  readonly emailVerified: boolean;
  readonly idToken: string;
  readonly returnTo: string | undefined;
}

interface StateRecord {
  readonly v: 1;
  readonly p: string;
  /** PKCE code verifier, nonce, return-to, created at. */
  readonly cv: string;
  readonly n: string;
  readonly rt?: string;
  readonly ca: number;
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
 * The authorization code flow with PKCE (S256), through `openid-client`: state, nonce and the
 * code verifier stay server-side in kv (single use, expiring), the callback must come from the
 * browser that started the sign-in (`oidc-binding.ts`), the code is exchanged once, and
 * the ID token is verified again with `jose` against the provider's JWKS (cached, fetched anew
 * for an unknown `kid`) with an algorithm allow-list, checking iss, aud, exp, iat, nonce and azp.
 */
export function createOidcFlow(
  providers: ReadonlyMap<string, ResolvedOidcProvider>,
  kv: Kv,
  keys: KvKeys,
  clock: Clock,
  stateTtlMs: number,
) {
  const configs = new Map<
    string,
    Promise<{ config: client.Configuration; jwks: ReturnType<typeof createRemoteJWKSet> }>
  >();

  function provider(name: string): ResolvedOidcProvider {
    const found = providers.get(name);
    if (!found)
      throw new AuthError({
        code: 'INVALID_ARGUMENT',
        message: `no OpenID provider named '${name}' (known: ${[...providers.keys()].join(', ')})`,
      });
    return found;
  }

  /** Discovery, once per provider; a failure is forgotten so that the next sign-in tries again. */
  function discover(p: ResolvedOidcProvider) {
    let pending = configs.get(p.name);
    if (!pending) {
      pending = (async () => {
        const auth = p.clientSecret === undefined ? client.None() : client.ClientSecretBasic(p.clientSecret);
        const metadata: Partial<client.ClientMetadata> = { [client.clockTolerance]: p.clockToleranceSec };
        const config = await client.discovery(new URL(p.issuer), p.clientId, metadata, auth, {
          execute: p.allowInsecureRequests ? [client.allowInsecureRequests] : [],
          timeout: 10,
        });
        const jwksUri = config.serverMetadata().jwks_uri;
        if (!jwksUri)
          throw new AuthError({ code: 'PROVIDER_ERROR', message: `${p.name}: the discovery document has no jwks_uri` });
        const jwks = createRemoteJWKSet(new URL(jwksUri), {
          cooldownDuration: p.jwksCooldownMs,
          cacheMaxAge: 10 * 60_000,
          timeoutDuration: 10_000,
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
    async begin(name: string, options: OidcLoginOptions): Promise<OidcRedirect> {
      const p = provider(name);
      const { config } = await discover(p);
      const state = client.randomState();
      const nonce = client.randomNonce();
      const verifier = client.randomPKCECodeVerifier();
      const record: StateRecord = {
        v: 1,
        p: p.name,
        cv: verifier,
        n: nonce,
        ca: clock.now(),
        ...(options.returnTo === undefined ? {} : { rt: options.returnTo }),
      };
      await must(
        kv.set(keys.oidcState(tokenHash(state)), JSON.stringify(record), { ttlMs: stateTtlMs }),
        'storing sign-in state',
      );
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
    async complete(name: string, callbackParams: Readonly<Record<string, string>>): Promise<OidcIdentity> {
      const p = provider(name);
      const { [oidcBindingParam]: binding, ...params } = callbackParams;
      const state = params.state;
      if (!state) throw new AuthError({ code: 'INVALID_TOKEN', message: 'the callback has no state' });
      // Checked before the state is spent, so that a refused callback leaves the real browser's sign-in intact.
      if (!bindingMatches(binding, state)) {
        throw new AuthError({
          code: 'INVALID_TOKEN',
          message:
            binding === undefined
              ? 'the sign-in has no binding cookie (pass oidcCallbackParams(query, cookieHeader)): start again'
              : 'the sign-in was started in another browser: start again',
        });
      }
      const key = keys.oidcState(tokenHash(state));
      const raw = await must(kv.get(key), 'reading sign-in state');
      const record = stateRecord(raw);
      // Compare-and-swap to nothing: of two callbacks with one state, exactly one gets it.
      if (!record || !(await must(kv.compareAndSwap(key, raw, undefined), 'spending sign-in state'))) {
        throw new AuthError({
          code: 'INVALID_TOKEN',
          message: 'the sign-in state is unknown, used or expired: start again',
        });
      }
      if (record.p !== p.name)
        throw new AuthError({ code: 'INVALID_TOKEN', message: `the sign-in state belongs to provider '${record.p}'` });
      if (clock.now() >= record.ca + stateTtlMs)
        throw new AuthError({ code: 'EXPIRED', message: 'the sign-in took too long: start again' });
      if (params.error) {
        const message = `${p.name}: ${params.error}${params.error_description ? `: ${params.error_description}` : ''}`;
        throw new AuthError({ code: params.error === 'access_denied' ? 'ACCESS_DENIED' : 'PROVIDER_ERROR', message });
      }
      const { config, jwks } = await discover(p);
      const callback = new URL(p.redirectUri);
      for (const [k, v] of Object.entries(params)) callback.searchParams.set(k, v);
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: record.cv,
          expectedState: state,
          expectedNonce: record.n,
          idTokenExpected: true,
        });
      } catch (error) {
        throw failure(error, `${p.name}: the code exchange failed`);
      }
      const idToken = tokens.id_token as string;
      const claims = await verifyIdToken(p, config, jwks, idToken, record.n);
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
    async endSessionUrl(name: string, idToken: string | undefined): Promise<string | undefined> {
      const p = providers.get(name);
      if (!p) return undefined;
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

const stateRecord = (raw: unknown) => readRecord<StateRecord>(raw, (r) => typeof r.cv === 'string');
