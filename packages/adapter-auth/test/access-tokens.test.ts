import { expectErr, expectOk } from '@keel/testing';
import { SignJWT, decodeProtectedHeader, importJWK } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { generateAccessTokenKey } from '../src/index.js';
import { createFixture, disposeFixtures } from './support/fixture.js';

afterAll(disposeFixtures);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function signedIn(accessTokens: Record<string, unknown> | true = true) {
  const f = await createFixture({ accessTokens });
  expectOk(await f.auth.register({ email: 'ada@example.com', password: 'token passphrase 42' }));
  const session = expectOk(await f.auth.login({ email: 'ada@example.com', password: 'token passphrase 42' }));
  return { f, session, tokens: session.tokens as NonNullable<typeof session.tokens> };
}

describe('access tokens', () => {
  it('are short-lived EdDSA JWTs (at+jwt) with a kid, and the JWKS publishes only public keys', async () => {
    const { f, tokens } = await signedIn();
    const header = decodeProtectedHeader(tokens.accessToken);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(tokens.accessTokenExpiresAt - f.clock.now()).toBeLessThanOrEqual(5 * 60_000);
    const jwks = await f.auth.accessTokenJwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kid: header.kid, kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('rotate keys: a retired public key still verifies old tokens; once dropped, they fail', async () => {
    const [oldKey, newKey] = [await generateAccessTokenKey('ES256'), await generateAccessTokenKey('ES256')];
    const before = await signedIn({ algorithm: 'ES256', keys: [oldKey] });
    const { d: _d, ...oldPublic } = oldKey.jwk;
    const during = await signedIn({ algorithm: 'ES256', keys: [newKey, { kid: oldKey.kid, jwk: oldPublic }] });
    expect(decodeProtectedHeader(during.tokens.accessToken).kid).toBe(newKey.kid);
    // Verification is stateless, so any instance with the keys accepts the other's tokens.
    expect(expectOk(await during.f.auth.verifyAccessToken(before.tokens.accessToken)).email).toBe('ada@example.com');
    const after = await signedIn({ algorithm: 'ES256', keys: [newKey] });
    expectErr(await after.f.auth.verifyAccessToken(before.tokens.accessToken), 'INVALID_TOKEN');
    expectOk(await after.f.auth.verifyAccessToken(during.tokens.accessToken));
  });

  it("refuse alg 'none', HMAC with the public key, another algorithm and other issuers or audiences", async () => {
    const key = await generateAccessTokenKey('EdDSA');
    const { f, tokens } = await signedIn({ keys: [key], issuer: 'https://auth.example.com', audience: 'api' });
    const [, payload = ''] = tokens.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const unsigned = `${b64({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${payload}.`;
    const { d: _d, ...publicJwk } = key.jwk;
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    const privateKey = await importJWK(key.jwk, 'EdDSA');
    const resign = (changes: Record<string, unknown>, header: Record<string, unknown> = {}) =>
      new SignJWT({ ...claims, ...changes })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid, ...header })
        .sign(privateKey);
    const forged = [
      unsigned,
      hmac,
      await resign({ iss: 'https://evil.example' }),
      await resign({ aud: 'another-api' }),
      await resign({}, { typ: 'JWT' }),
      await resign({}, { kid: 'unknown-kid' }),
      await resign({ sid: undefined }),
    ];
    for (const token of forged) expectErr(await f.auth.verifyAccessToken(token), 'INVALID_TOKEN');
    expectOk(await f.auth.verifyAccessToken(await resign({})));
  });

  it('with checkRevocation, die with their session at once', async () => {
    const stateless = await signedIn();
    expectOk(await stateless.f.auth.logout(stateless.session.token));
    expectOk(await stateless.f.auth.verifyAccessToken(stateless.tokens.accessToken));
    const checked = await signedIn({ checkRevocation: true });
    expectOk(await checked.f.auth.verifyAccessToken(checked.tokens.accessToken));
    expectOk(await checked.f.auth.logout(checked.session.token));
    expectErr(await checked.f.auth.verifyAccessToken(checked.tokens.accessToken), 'INVALID_TOKEN');
  });
});

describe('refresh tokens', () => {
  it('two clients racing with one token: one wins, and the reuse revokes the family', async () => {
    const { f, session, tokens } = await signedIn();
    const results = await Promise.all([f.auth.refresh(tokens.refreshToken), f.auth.refresh(tokens.refreshToken)]);
    expect(results.filter((r) => r.isOk())).toHaveLength(1);
    const winner = results.find((r) => r.isOk())?._unsafeUnwrap();
    expectErr(await f.auth.refresh(winner?.refreshToken as string), 'INVALID_TOKEN');
    expectErr(await f.auth.verifySession(session.token), 'INVALID_TOKEN');
  });

  it('keep the session alive, and stop at its absolute expiry', async () => {
    const { f, session, tokens } = await signedIn();
    let refresh = tokens.refreshToken;
    const step = Math.floor((session.idleExpiresAt - f.clock.now()) / 2);
    while (f.clock.now() + step < session.expiresAt) {
      f.clock.advance(step);
      refresh = expectOk(await f.auth.refresh(refresh)).refreshToken;
    }
    f.clock.advance(session.expiresAt - f.clock.now());
    const ended = await f.auth.refresh(refresh);
    expect(ended.isErr() && ['EXPIRED', 'INVALID_TOKEN'].includes(ended.error.code)).toBe(true);
  });
});
