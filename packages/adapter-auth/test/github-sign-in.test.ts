// Sign-in with GitHub (issue 21, part 3), against a server on 127.0.0.1 that speaks GitHub's
// OAuth endpoints and REST JSON (support/github-server.ts): the whole flow through arctic, the
// same account-linking rules as OIDC, and each way the provider or the callback can go wrong.
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { github, oidcBindingCookie, oidcCallbackParams } from '../src/index.js';
import { cookieHeader } from './support/browser.js';
import { createFixture, disposeFixtures, type Fixture } from './support/fixture.js';
import { githubProvider, startGithubServer, type GithubServer } from './support/github-server.js';

let gh: GithubServer;

beforeAll(async () => {
  gh = await startGithubServer();
  gh.accounts.set('ada', {
    id: 1001,
    login: 'ada',
    emails: [
      { email: 'Ada@Example.com', primary: true, verified: true },
      { email: 'ada@old.example', primary: false, verified: false },
    ],
  });
  // Her only verified address is not the primary one: no address is taken from her.
  gh.accounts.set('mallory', {
    id: 1002,
    login: 'mallory',
    emails: [
      { email: 'victim@example.com', primary: true, verified: false },
      { email: 'mallory@example.com', primary: false, verified: true },
    ],
  });
  gh.accounts.set('vic', {
    id: 1003,
    login: 'vic',
    emails: [{ email: 'victim@example.com', primary: true, verified: true }],
  });
});
afterAll(async () => {
  await disposeFixtures();
  await gh.close();
});

const users = async (f: Fixture) => expectOk(await f.sql.query('SELECT email FROM auth_users ORDER BY email')).rows;

/** Starts a sign-in as `account` and follows GitHub's redirect back: the callback's parameters and the browser's cookie. */
async function atGithub(f: Fixture, account: string, options = {}) {
  gh.signInAs = account;
  const redirect = expectOk(await f.auth.beginOidcLogin('github', options));
  return { redirect, query: await gh.authorize(redirect.url), cookie: cookieHeader(oidcBindingCookie(redirect)) };
}

async function signIn(f: Fixture, account: string) {
  const { query, cookie } = await atGithub(f, account);
  return f.auth.completeOidcLogin('github', oidcCallbackParams(query, cookie));
}

describe('sign-in with GitHub', () => {
  it('creates a user from the verified primary email, with PKCE, and finds the same user next time', async () => {
    const provider = github({
      clientId: gh.clientId,
      clientSecret: gh.clientSecret,
      redirectUri: gh.redirectUri,
      baseUrl: `${gh.baseUrl}/`,
      apiBaseUrl: gh.apiBaseUrl,
      allowInsecureRequests: true,
    });
    const f = await createFixture({ oidc: { providers: [provider] } });
    const { redirect, query, cookie } = await atGithub(f, 'ada', { returnTo: '/repos' });
    const url = new URL(redirect.url);
    expect(url.origin + url.pathname).toBe(`${gh.baseUrl}/login/oauth/authorize`);
    expect(url.searchParams.get('scope')).toBe('read:user user:email');
    expect(gh.seen.challenges).toContain(url.searchParams.get('code_challenge'));

    const first = expectOk(await f.auth.completeOidcLogin('github', oidcCallbackParams(query, cookie)));
    expect(first.returnTo).toBe('/repos');
    expect(first.session.principal).toMatchObject({ email: 'ada@example.com', emailVerified: true, roles: ['member'] });
    const again = expectOk(await signIn(f, 'ada'));
    expect(again.session.principal.userId).toBe(first.session.principal.userId);
    expect(await users(f)).toEqual([['ada@example.com']]);
    // What each provider offers, as data; GitHub has no end-session URL: logout ends the local session only.
    expect((await f.auth.health()).detail?.signIn).toEqual({
      github: { kind: 'github', pkce: true, idToken: false, endSession: false },
    });
    expect(expectOk(await f.auth.logout(again.session.token))).toBeUndefined();
  });

  it('links to an existing account only when the provider may (linkVerifiedEmail)', async () => {
    const off = await createFixture({ oidc: { providers: [githubProvider(gh)] } });
    const local = expectOk(await off.auth.register({ email: 'ada@example.com', password: 'local passphrase 2024' }));
    expect(expectErr(await signIn(off, 'ada'), 'ACCESS_DENIED').message).toMatch(/linkVerifiedEmail/);
    expectOk(await off.auth.login({ email: 'ada@example.com', password: 'local passphrase 2024' }));

    const on = await createFixture({ oidc: { providers: [githubProvider(gh, { linkVerifiedEmail: true })] } });
    const mine = expectOk(await on.auth.register({ email: 'ada@example.com', password: 'local passphrase 2024' }));
    expect(expectOk(await signIn(on, 'ada')).session.principal.userId).toBe(mine.id);
    expect(mine.id).not.toBe(local.id);
    expect(await users(on)).toEqual([['ada@example.com']]);
  });

  it('refuses an unverified primary email: no account is created or linked', async () => {
    const f = await createFixture({ oidc: { providers: [githubProvider(gh, { linkVerifiedEmail: true })] } });
    // No account with that address: none is created (a verified secondary address is not used either).
    expect(expectErr(await signIn(f, 'mallory'), 'ACCESS_DENIED').message).toMatch(/not verified/);
    expect(await users(f)).toEqual([]);
    // An account with it: not linked, even with linkVerifiedEmail.
    expectOk(await f.auth.register({ email: 'victim@example.com', password: 'plum orbit granite 42' }));
    expectErr(await signIn(f, 'mallory'), 'ACCESS_DENIED');
    expect(await users(f)).toEqual([['victim@example.com']]);
    expectOk(await f.auth.login({ email: 'victim@example.com', password: 'plum orbit granite 42' }));
  });

  it("turns GitHub's error parameter and error page into typed errors", async () => {
    const f = await createFixture({ oidc: { providers: [githubProvider(gh)] } });
    expect(expectErr(await signIn(f, 'deny'), 'ACCESS_DENIED').message).toMatch(/denied your application/);
    gh.tokenFault = 'error-page';
    expect(expectErr(await signIn(f, 'ada'), 'PROVIDER_ERROR').message).toMatch(/code exchange failed: HTTP 502/);
    expect(await users(f)).toEqual([]);
  });

  it('refuses a callback with another state or from another browser (INVALID_TOKEN)', async () => {
    const f = await createFixture({ oidc: { providers: [githubProvider(gh)] } });
    const attacker = await atGithub(f, 'ada');
    const victim = await atGithub(f, 'vic');
    // The attacker's callback in the victim's browser: its binding cookie is for another state.
    expectErr(
      await f.auth.completeOidcLogin('github', oidcCallbackParams(attacker.query, victim.cookie)),
      'INVALID_TOKEN',
    );
    const forged = { ...victim.query, state: attacker.redirect.state.replace(/.$/, 'x') };
    expectErr(await f.auth.completeOidcLogin('github', oidcCallbackParams(forged, victim.cookie)), 'INVALID_TOKEN');
    expect(await users(f)).toEqual([]);
    // Refused callbacks spent nothing: the victim's own sign-in still completes.
    const login = expectOk(await f.auth.completeOidcLogin('github', oidcCallbackParams(victim.query, victim.cookie)));
    expect(login.session.principal.email).toBe('victim@example.com');
  });

  it('fails a code exchange that does not answer in timeoutMs, writing nothing; the next sign-in works', async () => {
    const f = await createFixture({ oidc: { providers: [githubProvider(gh, { timeoutMs: 200 })] } });
    gh.tokenFault = 'hang';
    expect(expectErr(await signIn(f, 'ada'), 'PROVIDER_ERROR').message).toMatch(/timed out/);
    expect(await users(f)).toEqual([]);
    expect(expectOk(await signIn(f, 'ada')).session.principal.email).toBe('ada@example.com');
  });

  it('refuses a replayed callback (state spent) and a replayed code (GitHub: bad_verification_code)', async () => {
    const f = await createFixture({ oidc: { providers: [githubProvider(gh)] } });
    const { query, cookie } = await atGithub(f, 'ada');
    expectOk(await f.auth.completeOidcLogin('github', oidcCallbackParams(query, cookie)));
    expectErr(await f.auth.completeOidcLogin('github', oidcCallbackParams(query, cookie)), 'INVALID_TOKEN');
    // The same code in a fresh sign-in of the same browser: GitHub refuses it (used, and another verifier).
    const fresh = await atGithub(f, 'vic');
    const replay = { ...fresh.query, code: query.code as string };
    const refused = expectErr(
      await f.auth.completeOidcLogin('github', oidcCallbackParams(replay, fresh.cookie)),
      'PROVIDER_ERROR',
    );
    expect(refused.message).toMatch(/bad_verification_code/);
    expect(gh.seen.tokenErrors).toContain('bad_verification_code');
    expect(await users(f)).toEqual([['ada@example.com']]);
  });

  it('checks its options: https endpoints unless allowInsecureRequests, a client secret', async () => {
    const base = { clientId: 'c', clientSecret: 's', redirectUri: 'https://app.example.com/cb' };
    await expect(
      createFixture({ oidc: { providers: [github({ ...base, baseUrl: 'http://github.example.com' })] } }),
    ).rejects.toThrow(/oidc\.providers\[0\]\.baseUrl: expected an https:\/\/ URL/);
    const { clientSecret: _, ...noSecret } = base;
    await expect(createFixture({ oidc: { providers: [github(noSecret as typeof base)] } })).rejects.toThrow(
      /oidc\.providers\[0\]\.clientSecret/,
    );
    expect(github(base)).toMatchObject({ kind: 'github' });
  });
});
