// ID tokens no honest provider sends: each must end in INVALID_TOKEN and no session.
import { expectErr, expectOk } from '@keel/testing';
import { SignJWT, exportSPKI, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth0, oidcBindingCookie, oidcCallbackParams, okta } from '../src/index.js';
import { cookieHeader } from './support/browser.js';
import { createFixture, disposeFixtures, type Fixture } from './support/fixture.js';
import {
  newSigningKey,
  signIdToken,
  startFakeIssuer,
  type FakeIssuer,
  type SigningKey,
} from './support/fake-issuer.js';

let fake: FakeIssuer;
let key: SigningKey;

beforeAll(async () => {
  key = await newSigningKey('key-1');
  fake = await startFakeIssuer(key);
});
afterAll(async () => {
  await disposeFixtures();
  await fake.close();
});

async function fixture(overrides: Record<string, unknown> = {}): Promise<Fixture> {
  return createFixture({
    oidc: {
      providers: [
        {
          name: 'fake',
          issuer: fake.issuer,
          clientId: fake.clientId,
          clientSecret: 'fake-secret',
          redirectUri: 'http://127.0.0.1/cb',
          allowInsecureRequests: true,
          jwksCooldownMs: 0,
          ...overrides,
        },
      ],
    },
  });
}

async function attempt(f: Fixture) {
  const redirect = expectOk(await f.auth.beginOidcLogin('fake'));
  return f.auth.completeOidcLogin(
    'fake',
    oidcCallbackParams(fake.callback(redirect.url), cookieHeader(oidcBindingCookie(redirect))),
  );
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('OIDC ID-token validation against forged responses', () => {
  it('accepts a well-formed token, caches the JWKS, and fetches it again for an unknown kid (rotation)', async () => {
    const f = await fixture();
    fake.published = [key];
    fake.idToken = (r) => signIdToken(key, r);
    const before = fake.jwksFetches;
    expectOk(await attempt(f));
    expectOk(await attempt(f));
    expect(fake.jwksFetches - before).toBe(1);
    const rotated = await newSigningKey('key-2');
    fake.published = [key, rotated];
    fake.idToken = (r) => signIdToken(rotated, r);
    expect(expectOk(await attempt(f)).session.principal.email).toBe('fake@example.com');
    expect(fake.jwksFetches - before).toBe(2);
    fake.published = [key];
  });

  const forgeries: [string, () => void][] = [
    [
      'signed with a key the provider never published (same kid)',
      () => {
        fake.idToken = async (r) => signIdToken({ ...(key as SigningKey), privateKey: forger.privateKey }, r);
      },
    ],
    [
      'expired',
      () => {
        fake.idToken = (r) =>
          signIdToken(key, r, { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 });
      },
    ],
    [
      'for another audience',
      () => {
        fake.idToken = (r) => signIdToken(key, r, { aud: 'some-other-client' });
      },
    ],
    [
      'from another issuer',
      () => {
        fake.idToken = (r) => signIdToken(key, r, { iss: 'https://evil.example' });
      },
    ],
    [
      'with a nonce the client never sent',
      () => {
        fake.idToken = (r) => signIdToken(key, r, { nonce: 'not-the-nonce' });
      },
    ],
    [
      'with several audiences and no azp',
      () => {
        fake.idToken = (r) => signIdToken(key, r, { aud: [r.clientId, 'another-client'] });
      },
    ],
    [
      'authorized for another party (azp)',
      () => {
        fake.idToken = (r) => signIdToken(key, r, { aud: [r.clientId, 'another-client'], azp: 'another-client' });
      },
    ],
    [
      'without iat',
      () => {
        fake.idToken = (r) => signIdToken(key, r, { iat: undefined });
      },
    ],
    [
      "with alg 'none', advertised by the provider",
      () => {
        fake.algorithms = ['RS256', 'none'];
        fake.idToken = async (r) => {
          const now = Math.floor(Date.now() / 1000);
          return `${b64({ alg: 'none', kid: key.kid })}.${b64({ iss: r.issuer, aud: r.clientId, sub: 'fake-user', nonce: r.nonce, iat: now, exp: now + 300, email: 'fake@example.com', email_verified: true })}.`;
        };
      },
    ],
    [
      'HMAC-signed with the public key as the secret (algorithm confusion)',
      () => {
        fake.algorithms = ['RS256', 'HS256'];
        fake.idToken = async (r) => {
          const secret = new TextEncoder().encode(
            await exportSPKI((await importJWK(key.publicJwk, 'RS256', { extractable: true })) as never),
          );
          const now = Math.floor(Date.now() / 1000);
          return new SignJWT({ nonce: r.nonce, email: 'fake@example.com', email_verified: true })
            .setProtectedHeader({ alg: 'HS256', kid: key.kid })
            .setIssuer(r.issuer)
            .setAudience(r.clientId)
            .setSubject('fake-user')
            .setIssuedAt(now)
            .setExpirationTime(now + 300)
            .sign(secret);
        };
      },
    ],
  ];
  let forger: SigningKey;
  beforeAll(async () => {
    forger = await newSigningKey('key-1');
  });

  for (const [name, arrange] of forgeries) {
    it(`refuses an ID token ${name}`, async () => {
      const f = await fixture();
      fake.algorithms = ['RS256'];
      arrange();
      try {
        const error = expectErr(await attempt(f), 'INVALID_TOKEN');
        expect(error.message.length).toBeGreaterThan(0);
        expect(expectOk(await f.kv.scan({ prefix: 'auth:session:' })).entries).toEqual([]);
      } finally {
        fake.algorithms = ['RS256'];
        fake.idToken = (r) => signIdToken(key, r);
      }
    });
  }

  it('refuses an algorithm outside the allow-list even when the signature is good', async () => {
    const f = await fixture({ algorithms: ['ES256', 'EdDSA'] });
    expectErr(await attempt(f), 'INVALID_TOKEN');
  });

  it('refuses none and HMAC in the allow-list at start-up', async () => {
    await expect(fixture({ algorithms: ['RS256', 'none'] })).rejects.toThrow(/algorithms: none/);
    await expect(fixture({ algorithms: ['HS256'] })).rejects.toThrow(/algorithms: HS256/);
  });

  it('answers PROVIDER_ERROR when the token endpoint refuses or fails', async () => {
    const f = await fixture();
    fake.tokenError = { status: 400, body: { error: 'invalid_grant', error_description: 'code expired' } };
    try {
      expect(expectErr(await attempt(f), 'PROVIDER_ERROR').message).toContain('invalid_grant');
      fake.tokenError = { status: 500, body: { error: 'server_error' } };
      expectErr(await attempt(f), 'PROVIDER_ERROR');
    } finally {
      fake.tokenError = undefined;
    }
  });
});

describe('provider presets', () => {
  const base = { clientId: 'app', clientSecret: 's', redirectUri: 'https://app.example.com/cb' };

  it('okta: the default custom authorization server, a named one, or the org server', () => {
    expect(okta({ ...base, domain: 'acme.okta.com' })).toMatchObject({
      name: 'okta',
      issuer: 'https://acme.okta.com/oauth2/default',
    });
    expect(okta({ ...base, domain: 'acme.okta.com', authorizationServerId: 'aus123' }).issuer).toBe(
      'https://acme.okta.com/oauth2/aus123',
    );
    expect(okta({ ...base, domain: 'acme.okta.com', authorizationServerId: null, name: 'work' })).toMatchObject({
      name: 'work',
      issuer: 'https://acme.okta.com',
    });
    expect(() => okta({ ...base, domain: 'https://acme.okta.com' })).toThrow(TypeError);
  });

  it('auth0: the tenant issuer with its trailing slash, audience, and the legacy logout URL', () => {
    const p = auth0({
      ...base,
      domain: 'acme.eu.auth0.com',
      audience: 'https://api.acme.test',
      postLogoutRedirectUri: 'https://app.example.com/bye',
    });
    expect(p).toMatchObject({
      name: 'auth0',
      issuer: 'https://acme.eu.auth0.com/',
      authorizationParams: { audience: 'https://api.acme.test' },
    });
    const logout = new URL(
      p.logoutUrl?.({ idToken: 'x', postLogoutRedirectUri: p.postLogoutRedirectUri, clientId: 'app' }) as string,
    );
    expect(logout.origin + logout.pathname).toBe('https://acme.eu.auth0.com/v2/logout');
    expect(Object.fromEntries(logout.searchParams)).toEqual({
      client_id: 'app',
      returnTo: 'https://app.example.com/bye',
    });
  });
});
