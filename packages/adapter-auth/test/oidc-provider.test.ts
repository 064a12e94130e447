// The code + PKCE flow against a real, certified OpenID Provider (oidc-provider) on 127.0.0.1.
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash } from '../src/auth-crypto.js';
import { createOidcAuth, oidcBindingCookie, oidcCallbackParams, type OidcProviderOptions } from '../src/index.js';
import { cookieHeader } from './support/browser.js';
import { createFixture, disposeFixtures, type Fixture } from './support/fixture.js';
import { corpProvider, startOidcServer, type OidcServer } from './support/oidc-server.js';

let op: OidcServer;
let provider: OidcProviderOptions;

beforeAll(async () => {
  op = await startOidcServer();
  op.accounts.set('ada', { sub: 'ada', email: 'ada@example.com', email_verified: true });
  op.accounts.set('bob', { sub: 'bob', email: 'Bob@Example.com', email_verified: false });
  provider = corpProvider(op, { postLogoutRedirectUri: op.postLogoutRedirectUri });
});
afterAll(async () => {
  await disposeFixtures();
  await op.close();
});

async function withProvider(overrides: Partial<OidcProviderOptions> = {}): Promise<Fixture> {
  return createFixture({ oidc: { providers: [{ ...provider, ...overrides }] } });
}

/** The callback's parameters as the app reads them in the browser that started the sign-in (its binding cookie). */
const inBrowser = (params: Record<string, string>, state = params.state as string) =>
  oidcCallbackParams(params, cookieHeader(oidcBindingCookie({ state })));

/** begin → the provider signs `account` in → the callback's parameters, in the same browser. */
async function signInAt(f: Fixture, account: string, returnTo?: string) {
  op.signInAs = account;
  const redirect = expectOk(await f.auth.beginOidcLogin('corp', returnTo === undefined ? {} : { returnTo }));
  return { redirect, params: inBrowser(await op.authorize(redirect.url)) };
}

describe('OIDC against oidc-provider', () => {
  it('signs in with code + PKCE (S256), state and nonce, and reads the email from userinfo', async () => {
    const f = await withProvider();
    op.signInAs = 'ada';
    const redirect = expectOk(
      await f.auth.beginOidcLogin('corp', { returnTo: '/projects?tab=2', loginHint: 'ada@example.com' }),
    );
    const url = new URL(redirect.url);
    expect(url.origin + url.pathname).toBe(`${op.issuer}/auth`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: op.clientId,
      redirect_uri: op.redirectUri,
      scope: 'openid email',
      state: redirect.state,
      code_challenge_method: 'S256',
      login_hint: 'ada@example.com',
    });
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    // State, nonce and verifier are kept server-side, under the state's hash only.
    const stored = expectOk(await f.kv.scan({ prefix: 'auth:oidc-state:' })).entries;
    expect(stored.map((e) => e.key)).toEqual([`auth:oidc-state:${tokenHash(redirect.state)}`]);
    expect(String(stored[0]?.value)).not.toContain(redirect.state);

    const params = await op.authorize(redirect.url);
    expect(params).toMatchObject({ state: redirect.state, iss: op.issuer });
    const cookie = cookieHeader(oidcBindingCookie(redirect));
    const login = expectOk(
      await f.auth.completeOidcLogin('corp', oidcCallbackParams(new URLSearchParams(params), cookie), {
        ip: '203.0.113.9',
      }),
    );
    expect(login.returnTo).toBe('/projects?tab=2');
    expect(login.session.principal).toMatchObject({ email: 'ada@example.com', emailVerified: true, roles: ['member'] });
    expect(expectOk(await f.auth.verifySession(login.session.token)).userId).toBe(login.session.principal.userId);
    expect(expectOk(await f.kv.scan({ prefix: 'auth:oidc-state:' })).entries).toEqual([]);

    // The same provider account again: the same local user.
    const again = await signInAt(f, 'ada');
    const second = expectOk(await f.auth.completeOidcLogin('corp', again.params));
    expect(second.session.principal.userId).toBe(login.session.principal.userId);

    // RP-initiated logout: the local session ends and the provider's end-session URL comes back.
    const endUrl = new URL(expectOk(await f.auth.logout(second.session.token)) as string);
    expect(endUrl.origin + endUrl.pathname).toBe(`${op.issuer}/session/end`);
    expect(endUrl.searchParams.get('post_logout_redirect_uri')).toBe(op.postLogoutRedirectUri);
    expect(endUrl.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expectErr(await f.auth.verifySession(second.session.token), 'INVALID_TOKEN');
  });

  it('refuses a replayed state, a wrong state and a state of another provider', async () => {
    const f = await createFixture({ oidc: { providers: [provider, { ...provider, name: 'other' }] } });
    const { params } = await signInAt(f, 'ada');
    // Each bound to its (wrong) state, so that the state check is what refuses them.
    expectErr(
      await f.auth.completeOidcLogin('corp', inBrowser({ ...params, state: `${params.state}x` })),
      'INVALID_TOKEN',
    );
    expectErr(await f.auth.completeOidcLogin('corp', { code: params.code as string }), 'INVALID_TOKEN');
    expectErr(await f.auth.completeOidcLogin('other', params), 'INVALID_TOKEN');
    // The state was spent by the wrong-provider attempt: even the right provider now refuses it.
    expectErr(await f.auth.completeOidcLogin('corp', params), 'INVALID_TOKEN');

    const fresh = await signInAt(f, 'ada');
    const [first, second] = await Promise.all([
      f.auth.completeOidcLogin('corp', fresh.params),
      f.auth.completeOidcLogin('corp', fresh.params),
    ]);
    expect([first.isOk(), second.isOk()].sort()).toEqual([false, true]);
    expectErr(await f.auth.completeOidcLogin('corp', fresh.params), 'INVALID_TOKEN');
  });

  it('refuses a replayed code at the provider, even with a valid state and verifier', async () => {
    const f = await withProvider();
    op.signInAs = 'ada';
    const redirect = expectOk(await f.auth.beginOidcLogin('corp'));
    const [entry] = expectOk(await f.kv.scan({ prefix: 'auth:oidc-state:' })).entries;
    const params = await op.authorize(redirect.url);
    expectOk(await f.auth.completeOidcLogin('corp', inBrowser(params)));
    // An attacker replays the code under a state whose server-side record (verifier, nonce) is a copy.
    const forgedState = 'forged-state-for-the-replayed-code-0000000';
    await f.kv.set(`auth:oidc-state:${tokenHash(forgedState)}`, entry?.value as string, { ttlMs: 60_000 });
    const error = expectErr(
      await f.auth.completeOidcLogin('corp', inBrowser({ ...params, state: forgedState })),
      'PROVIDER_ERROR',
    );
    expect(error.message).toContain('invalid_grant');
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const f = await withProvider();
    op.signInAs = 'ada';
    const redirect = expectOk(await f.auth.beginOidcLogin('corp'));
    const key = `auth:oidc-state:${tokenHash(redirect.state)}`;
    const record = JSON.parse(String(expectOk(await f.kv.get(key))));
    await f.kv.set(key, JSON.stringify({ ...record, n: 'a-different-nonce-than-the-one-in-the-url-00' }), {
      ttlMs: 60_000,
    });
    const error = expectErr(
      await f.auth.completeOidcLogin('corp', inBrowser(await op.authorize(redirect.url))),
      'INVALID_TOKEN',
    );
    expect(error.message).toMatch(/nonce/);
  });

  it('refuses a state older than stateTtlMs', async () => {
    const f = await createFixture({ oidc: { providers: [provider], stateTtlMs: 60_000 } });
    const { params } = await signInAt(f, 'ada');
    f.clock.advance(60_001);
    const r = await f.auth.completeOidcLogin('corp', params);
    expect(r.isErr() && ['EXPIRED', 'INVALID_TOKEN'].includes(r.error.code)).toBe(true);
  });

  it('answers ACCESS_DENIED when the user refuses at the provider', async () => {
    const f = await withProvider();
    const { params } = await signInAt(f, 'deny');
    expect(params.error).toBe('access_denied');
    expectErr(await f.auth.completeOidcLogin('corp', params), 'ACCESS_DENIED');
  });

  it('creates accounts for new emails unless createUsers is off', async () => {
    const open = await withProvider({ defaultRoles: ['editor'] });
    const bob = expectOk(await open.auth.completeOidcLogin('corp', (await signInAt(open, 'bob')).params));
    expect(bob.session.principal).toMatchObject({ email: 'bob@example.com', emailVerified: false, roles: ['editor'] });
    const closed = await withProvider({ createUsers: false });
    expectErr(await closed.auth.completeOidcLogin('corp', (await signInAt(closed, 'ada')).params), 'ACCESS_DENIED');
  });

  it('refuses returnTo values that would redirect off the site', async () => {
    const f = await withProvider();
    for (const returnTo of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      expectErr(await f.auth.beginOidcLogin('corp', { returnTo }), 'INVALID_ARGUMENT');
    }
  });

  it('works without passwords through createOidcAuth', async () => {
    const f = await createFixture({ withEmail: false });
    const auth = createOidcAuth({
      sql: f.sql,
      kv: f.kv,
      email: false,
      clock: f.clock,
      tablePrefix: 'only_',
      oidc: { providers: [provider] },
    });
    try {
      op.signInAs = 'ada';
      const redirect = expectOk(await auth.beginOidcLogin('corp'));
      const login = expectOk(await auth.completeOidcLogin('corp', inBrowser(await op.authorize(redirect.url))));
      expectOk(await auth.verifySession(login.session.token));
      expectErr(await auth.register({ email: 'x@example.com', password: 'lantern harbor violet' }), 'UNSUPPORTED');
    } finally {
      await auth.close();
    }
  });

  it('answers PROVIDER_ERROR when the issuer cannot be discovered, and tries again later', async () => {
    const f = await withProvider({ issuer: 'http://127.0.0.1:9/' });
    expectErr(await f.auth.beginOidcLogin('corp'), 'PROVIDER_ERROR');
    expectErr(await f.auth.beginOidcLogin('corp'), 'PROVIDER_ERROR');
  });
});
