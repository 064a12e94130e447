// How a first sign-in at a provider meets an existing local account with the same email.
// Issue 13, item 10: linking used to trust `email_verified` from any configured issuer, so any
// issuer that claims an address verified took over that address's account. Linking by email is
// now opt-in per provider (`linkVerifiedEmail`). Against a real OpenID Provider on 127.0.0.1.
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth0, oidcBindingCookie, oidcCallbackParams, okta, type OidcProviderOptions } from '../src/index.js';
import { cookieHeader } from './support/browser.js';
import { createFixture, disposeFixtures, type Fixture } from './support/fixture.js';
import { corpProvider, startOidcServer, type OidcServer } from './support/oidc-server.js';

let op: OidcServer;
let provider: OidcProviderOptions;

beforeAll(async () => {
  op = await startOidcServer();
  op.accounts.set('ada', { sub: 'ada', email: 'ada@example.com', email_verified: true });
  op.accounts.set('bob', { sub: 'bob', email: 'Bob@Example.com', email_verified: false });
  op.accounts.set('eve', { sub: 'eve', email: 'victim@example.com', email_verified: true });
  op.accounts.set('nomail', { sub: 'nomail' });
  provider = corpProvider(op);
});
afterAll(async () => {
  await disposeFixtures();
  await op.close();
});

/** Signs `account` in at the provider and completes the callback in the same browser. */
async function signIn(f: Fixture, account: string) {
  op.signInAs = account;
  const redirect = expectOk(await f.auth.beginOidcLogin('corp'));
  const params = oidcCallbackParams(await op.authorize(redirect.url), cookieHeader(oidcBindingCookie(redirect)));
  return f.auth.completeOidcLogin('corp', params);
}

async function verifiedLocal(f: Fixture, email: string, password: string) {
  const user = expectOk(await f.auth.register({ email, password }));
  expectOk(await f.auth.requestEmailVerification(user.id));
  expectOk(await f.auth.verifyEmail(await f.outbox.tokenFor(email, /confirm/i)));
  return user;
}

describe('linking provider accounts to local accounts by email', () => {
  it('is off by default: a provider claiming a verified email does not take over that account', async () => {
    const f = await createFixture({ oidc: { providers: [provider] } });
    const victim = await verifiedLocal(f, 'victim@example.com', 'secret passphrase 77');
    const session = expectOk(await f.auth.login({ email: 'victim@example.com', password: 'secret passphrase 77' }));
    // eve's provider says victim@example.com is verified; without linkVerifiedEmail that proves nothing here.
    const refused = expectErr(await signIn(f, 'eve'), 'ACCESS_DENIED');
    expect(refused.message).toMatch(/linkVerifiedEmail/);
    // Refused again the next time (no identity was recorded), and the account is untouched.
    expectErr(await signIn(f, 'eve'), 'ACCESS_DENIED');
    expect(expectOk(await f.auth.verifySession(session.token)).userId).toBe(victim.id);
    expectOk(await f.auth.login({ email: 'victim@example.com', password: 'secret passphrase 77' }));
    // Unverified local accounts are not taken either (no password removed).
    expectOk(await f.auth.register({ email: 'ada@example.com', password: 'local passphrase 2024' }));
    expectErr(await signIn(f, 'ada'), 'ACCESS_DENIED');
    expectOk(await f.auth.login({ email: 'ada@example.com', password: 'local passphrase 2024' }));
    // New emails still get accounts of their own.
    expect(expectOk(await signIn(f, 'bob')).session.principal.email).toBe('bob@example.com');
  });

  it('with linkVerifiedEmail, links by verified email only', async () => {
    const f = await createFixture({ oidc: { providers: [{ ...provider, linkVerifiedEmail: true }] } });
    const local = expectOk(await f.auth.register({ email: 'ada@example.com', password: 'local passphrase 2024' }));
    // Ada's local account never verified its email: whoever registered it may not own the
    // address, so linking removes the password and ends its sessions (pre-hijacking).
    const hijacker = expectOk(await f.auth.login({ email: 'ada@example.com', password: 'local passphrase 2024' }));
    const ada = expectOk(await signIn(f, 'ada'));
    expect(ada.session.principal.userId).toBe(local.id);
    expectErr(await f.auth.verifySession(hijacker.token), 'INVALID_TOKEN');
    expectErr(
      await f.auth.login({ email: 'ada@example.com', password: 'local passphrase 2024' }),
      'INVALID_CREDENTIALS',
    );

    // Bob's provider has not verified his email: no link to the existing account.
    expectOk(await f.auth.register({ email: 'bob@example.com', password: 'bobs own passphrase 1' }));
    expectErr(await signIn(f, 'bob'), 'ACCESS_DENIED');
    expectOk(await f.auth.login({ email: 'bob@example.com', password: 'bobs own passphrase 1' }));

    // A verified email that matches a verified local account links and keeps its password.
    const victim = await verifiedLocal(f, 'victim@example.com', 'secret passphrase 77');
    expect(expectOk(await signIn(f, 'eve')).session.principal.userId).toBe(victim.id);
    expectOk(await f.auth.login({ email: 'victim@example.com', password: 'secret passphrase 77' }));

    // No email at all: refused.
    expectErr(await signIn(f, 'nomail'), 'ACCESS_DENIED');
  });

  it('leaves it off for the okta() and auth0() presets unless asked, and checks the option', async () => {
    const common = { clientId: 'c', redirectUri: 'https://app.example.com/cb' };
    expect(okta({ domain: 'acme.okta.com', ...common }).linkVerifiedEmail).toBeUndefined();
    expect(auth0({ domain: 'acme.eu.auth0.com', ...common }).linkVerifiedEmail).toBeUndefined();
    expect(okta({ domain: 'acme.okta.com', ...common, linkVerifiedEmail: true }).linkVerifiedEmail).toBe(true);
    await expect(
      createFixture({ oidc: { providers: [{ ...provider, linkVerifiedEmail: 'yes' as unknown as boolean }] } }),
    ).rejects.toThrow(/oidc\.providers\[0\]\.linkVerifiedEmail: expected true or false, got "yes"/);
  });
});
