import type { Clock } from '@keel/core';
import {
  SignJWT,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type JSONWebKeySet,
} from 'jose';
import type { ResolvedAccessTokenOptions } from './access-token-options.js';
import { randomId } from './auth-crypto.js';
import { AuthError } from '@keel/core';

export type AccessTokenAlgorithm = 'EdDSA' | 'ES256';

/** A signing key: `jwk` is private for the key that signs (the first), and may be public-only for retired ones. */
export interface AccessTokenKey {
  readonly kid: string;
  readonly jwk: JWK;
}

/** The claims of one of our access tokens, once verified. */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly sid: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly roles: readonly string[];
}

const CURVES: Record<AccessTokenAlgorithm, { kty: string; crv: string }> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  ES256: { kty: 'EC', crv: 'P-256' },
};

/**
 * A new signing key for `accessTokens.keys`, with a random `kid`.
 *
 * @example
 * const key = await generateAccessTokenKey('EdDSA');
 * await secrets.put('auth-signing-key', JSON.stringify(key));
 */
export async function generateAccessTokenKey(algorithm: AccessTokenAlgorithm = 'EdDSA'): Promise<AccessTokenKey> {
  const { privateKey } = await generateKeyPair(algorithm, { extractable: true });
  return { kid: randomId(), jwk: await exportJWK(privateKey) };
}

export type AccessTokens = Awaited<ReturnType<typeof createAccessTokens>>;

/** Signs and verifies our JWT access tokens (RFC 9068 `at+jwt`), with `kid` and an algorithm allow-list of one. */
export async function createAccessTokens(options: ResolvedAccessTokenOptions, clock: Clock) {
  const { algorithm, ttlMs, issuer, audience } = options;
  const keys = options.keys?.length ? options.keys : [await generateAccessTokenKey(algorithm)];
  const shape = CURVES[algorithm];
  for (const [i, key] of keys.entries()) {
    if (key.jwk.kty !== shape.kty || key.jwk.crv !== shape.crv) {
      throw new TypeError(`accessTokens.keys[${i}] is not a ${shape.crv} key, which ${algorithm} needs`);
    }
  }
  const signing = keys[0] as AccessTokenKey;
  if (typeof signing.jwk.d !== 'string')
    throw new TypeError('accessTokens.keys[0] signs, so it must be a private key (with d)');
  const signingKey = await importJWK({ ...signing.jwk, alg: algorithm }, algorithm);
  const publicJwks = keys.map(({ kid, jwk }) => {
    const { d: _private, ...rest } = jwk;
    return { ...rest, kid, alg: algorithm, use: 'sig' } as JWK;
  });
  const verifying = new Map(
    await Promise.all(publicJwks.map(async (jwk) => [jwk.kid as string, await importJWK(jwk, algorithm)] as const)),
  );

  return {
    ttlMs,

    async sign(claims: AccessTokenClaims): Promise<{ token: string; expiresAt: number }> {
      const now = Math.floor(clock.now() / 1000);
      const expiresAt = (now + Math.floor(ttlMs / 1000)) * 1000;
      const token = await new SignJWT({
        sid: claims.sid,
        email: claims.email,
        email_verified: claims.emailVerified,
        roles: [...claims.roles],
      })
        .setProtectedHeader({ alg: algorithm, kid: signing.kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(claims.sub)
        .setIssuedAt(now)
        .setExpirationTime(expiresAt / 1000)
        .setJti(randomId())
        .sign(signingKey);
      return { token, expiresAt };
    },

    /** The claims of a token we signed and that has not expired; `INVALID_TOKEN` or `EXPIRED` otherwise. */
    async verify(token: string): Promise<AccessTokenClaims> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(
          token,
          (header) => {
            const key = header.kid === undefined ? undefined : verifying.get(header.kid);
            if (!key) throw new errors.JWKSNoMatchingKey();
            return key;
          },
          {
            algorithms: [algorithm],
            issuer,
            audience,
            typ: 'at+jwt',
            currentDate: new Date(clock.now()),
            clockTolerance: 5,
            requiredClaims: ['sub', 'sid', 'iat', 'exp', 'jti'],
          },
        ));
      } catch (error) {
        if (error instanceof errors.JWTExpired)
          throw new AuthError({ code: 'EXPIRED', message: 'the access token has expired', cause: error });
        throw new AuthError({ code: 'INVALID_TOKEN', message: 'the access token is not valid', cause: error });
      }
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
      if (typeof payload.sid !== 'string' || typeof payload.email !== 'string') {
        throw new AuthError({ code: 'INVALID_TOKEN', message: 'the access token lacks its session claims' });
      }
      return {
        sub: payload.sub as string,
        sid: payload.sid,
        email: payload.email,
        emailVerified: payload.email_verified === true,
        roles,
      };
    },

    /** The public keys, to publish at a JWKS URL for other services that verify our tokens. */
    jwks(): JSONWebKeySet {
      return { keys: publicJwks.map((k) => ({ ...k })) };
    },
  };
}
