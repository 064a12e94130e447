// Sign-in with Google (issue 21, part 3): the `google()` preset on the OIDC path, against a real
// OpenID Provider (oidc-provider) on 127.0.0.1 standing in for accounts.google.com.
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { google, oidcBindingCookie, oidcCallbackParams, type OidcProviderOptions } from '../src/index.js';
import { cookieHeader } from './support/browser.js';
import { createFixture, disposeFixtures, type Fixture } from './support/fixture.js';
import { startOidcServer, type OidcServer } from './support/oidc-server.js';

let op: OidcServer;
let googleAt: (extra?: Partial<OidcProviderOptions>) => OidcProviderOptions;

beforeAll(async () => {
  op = await startOidcServer();
  op.accounts.set('1180', { sub: '1180', email: 'ada@example.com', email_verified: true });
  op.accounts.set('2290', { sub: '2290', email: 'bob@example.com', email_verified: false });
  googleAt = (extra = {}) =>
    google({
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      redirectUri: op.redirectUri,
      scopes: ['openid', 'email'],
      allowInsecureRequests: true,
      ...extra,
    });
});
afterAll(async () => {
  await disposeFixtures();
  await op.close();
});

async function signIn(f: Fixture, account: string) {
  op.signInAs = account;
  const redirect = expectOk(await f.auth.beginOidcLogin('google'));
  const params = oidcCallbackParams(await op.authorize(redirect.url), cookieHeader(oidcBindingCookie(redirect)));
  return f.auth.completeOidcLogin('google', params);
}

describe('sign-in with Google (the google() OIDC preset)', () => {
  it('is accounts.google.com unless told, named google, with linking left off', () => {
    const preset = google({ clientId: 'c', redirectUri: 'https://app.example.com/cb' });
    expect(preset).toMatchObject({ name: 'google', issuer: 'https://accounts.google.com' });
    expect(preset.linkVerifiedEmail).toBeUndefined();
  });

  it('creates a user, finds it again, and uses PKCE; links an existing account only when opted in', async () => {
    const f = await createFixture({ oidc: { providers: [googleAt()] } });
    const redirect = expectOk(await f.auth.beginOidcLogin('google'));
    expect(new URL(redirect.url).searchParams.get('code_challenge_method')).toBe('S256');
    const first = expectOk(await signIn(f, '1180'));
    expect(first.session.principal).toMatchObject({ email: 'ada@example.com', emailVerified: true });
    expect(expectOk(await signIn(f, '1180')).session.principal.userId).toBe(first.session.principal.userId);

    // An existing account with the address: refused while linking is off, linked when on.
    const off = await createFixture({ oidc: { providers: [googleAt()] } });
    expectOk(await off.auth.register({ email: 'ada@example.com', password: 'plum orbit granite 42' }));
    expectErr(await signIn(off, '1180'), 'ACCESS_DENIED');
    const on = await createFixture({ oidc: { providers: [googleAt({ linkVerifiedEmail: true })] } });
    const local = expectOk(await on.auth.register({ email: 'ada@example.com', password: 'plum orbit granite 42' }));
    expect(expectOk(await signIn(on, '1180')).session.principal.userId).toBe(local.id);
    // An email Google has not verified never links.
    expectOk(await on.auth.register({ email: 'bob@example.com', password: 'plum orbit granite 42' }));
    expectErr(await signIn(on, '2290'), 'ACCESS_DENIED');
  });

  it('fails a code exchange that does not answer in timeoutMs, creating nobody; the next sign-in works', async () => {
    const f = await createFixture({ oidc: { providers: [googleAt({ timeoutMs: 300 })] } });
    expectOk(await f.auth.beginOidcLogin('google')); // discovery done while the provider answers
    op.stall.add('/token');
    try {
      expect(expectErr(await signIn(f, '1180'), 'PROVIDER_ERROR').message).toMatch(
        /^google: the code exchange failed: .*timed out/,
      );
    } finally {
      op.stall.delete('/token');
    }
    expect(expectOk(await f.sql.query('SELECT email FROM auth_users')).rows).toEqual([]);
    expect(expectOk(await signIn(f, '1180')).session.principal.email).toBe('ada@example.com');
  });

  it('refuses the user saying no, another browser and a replayed callback', async () => {
    const f = await createFixture({ oidc: { providers: [googleAt()] } });
    expectErr(await signIn(f, 'deny'), 'ACCESS_DENIED');
    op.signInAs = '1180';
    const redirect = expectOk(await f.auth.beginOidcLogin('google'));
    const query = await op.authorize(redirect.url);
    const other = expectOk(await f.auth.beginOidcLogin('google'));
    expectErr(
      await f.auth.completeOidcLogin('google', oidcCallbackParams(query, cookieHeader(oidcBindingCookie(other)))),
      'INVALID_TOKEN',
    );
    const params = oidcCallbackParams(query, cookieHeader(oidcBindingCookie(redirect)));
    expectOk(await f.auth.completeOidcLogin('google', params));
    expectErr(await f.auth.completeOidcLogin('google', params), 'INVALID_TOKEN');
  });
});
