// Issue 13, item 9: the OIDC `state` was not bound to the browser. An attacker could start a
// sign-in, sign in at the provider as themselves, and hand the callback URL to a victim, whose
// browser then ended up signed into the attacker's account (login CSRF). Now the callback must
// carry the binding cookie set with the redirect. Against a real OpenID Provider on 127.0.0.1.
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearOidcBindingCookie,
  oidcBindingCookie,
  oidcBindingParam,
  oidcCallbackParams,
  readCookie,
  type OidcProviderOptions,
} from '../src/index.js';
import { cookieHeader } from './support/browser.js';
import { createFixture, disposeFixtures } from './support/fixture.js';
import { corpProvider, startOidcServer, type OidcServer } from './support/oidc-server.js';

let op: OidcServer;
let provider: OidcProviderOptions;

beforeAll(async () => {
  op = await startOidcServer();
  op.accounts.set('mallory', { sub: 'mallory', email: 'mallory@example.com', email_verified: true });
  op.accounts.set('ada', { sub: 'ada', email: 'ada@example.com', email_verified: true });
  provider = corpProvider(op);
});
afterAll(async () => {
  await disposeFixtures();
  await op.close();
});

describe('OIDC sign-in bound to the browser that started it', () => {
  it("refuses an attacker's callback in another browser (INVALID_TOKEN); the right browser signs in", async () => {
    const f = await createFixture({ oidc: { providers: [provider] } });
    // The attacker starts a sign-in, signs in at the provider as themselves, and keeps the callback URL.
    op.signInAs = 'mallory';
    const attacker = expectOk(await f.auth.beginOidcLogin('corp'));
    const attackerCookies = cookieHeader(oidcBindingCookie(attacker));
    const callback = await op.authorize(attacker.url);
    expect(callback).toMatchObject({ state: attacker.state, code: expect.any(String) });

    // The victim has a sign-in of their own under way, then opens the attacker's link.
    const victim = expectOk(await f.auth.beginOidcLogin('corp'));
    const victimCookies = cookieHeader('theme=dark', oidcBindingCookie(victim));
    const attackerBinding = readCookie(attackerCookies, '__Host-keel-oidc') as string;
    const attempts: [string, Record<string, string>][] = [
      ['no cookie at all', oidcCallbackParams(callback, undefined)],
      ['other cookies only', oidcCallbackParams(callback, 'theme=dark; __Host-session=abc')],
      ["the victim's own binding", oidcCallbackParams(callback, victimCookies)],
      ['a made-up binding', oidcCallbackParams(callback, `__Host-keel-oidc=${'A'.repeat(43)}`)],
      ['a malformed binding', oidcCallbackParams(callback, '__Host-keel-oidc=%E0%A4%A')],
      // The attacker knows their binding and puts it in the link; only the cookie counts.
      ['the binding in the URL', oidcCallbackParams({ ...callback, [oidcBindingParam]: attackerBinding }, undefined)],
      // An app that forgot the helper fails closed.
      ['the raw callback parameters', callback],
    ];
    for (const [what, params] of attempts) {
      const refused = expectErr(await f.auth.completeOidcLogin('corp', params), 'INVALID_TOKEN');
      expect([what, refused.message]).toEqual([what, expect.stringMatching(/binding|another browser/)]);
    }
    expect(expectOk(await f.kv.scan({ prefix: 'auth:session:' })).entries).toEqual([]);

    // The refusals spent nothing: each sign-in still completes in its own browser.
    const own = expectOk(await f.auth.completeOidcLogin('corp', oidcCallbackParams(callback, attackerCookies)));
    expect(own.session.principal.email).toBe('mallory@example.com');
    op.signInAs = 'ada';
    const victimCallback = await op.authorize(victim.url);
    const ada = expectOk(await f.auth.completeOidcLogin('corp', oidcCallbackParams(victimCallback, victimCookies)));
    expect(ada.session.principal.email).toBe('ada@example.com');
  });

  it('sets the binding as a short-lived __Host- cookie (HttpOnly, Secure, Lax), without the state', () => {
    const state = 'a-state-value-of-forty-three-characters-000';
    const cookie = oidcBindingCookie({ state }, { expiresAt: Date.now() + 600_000 });
    expect(cookie).toMatch(
      /^__Host-keel-oidc=[A-Za-z0-9_-]{43}; Path=\/; SameSite=Lax; Expires=.+; Max-Age=(599|600); HttpOnly; Secure$/,
    );
    expect(cookie).not.toContain(state);
    expect(clearOidcBindingCookie()).toMatch(/^__Host-keel-oidc=; .*Max-Age=0; HttpOnly; Secure$/);
    expect(() => oidcBindingCookie({ state }, { secure: false })).toThrow(/__Host-/);
    // form_post callbacks arrive as a cross-site POST, which only SameSite=None carries.
    expect(oidcBindingCookie({ state }, { sameSite: 'None' })).toContain('SameSite=None');
  });
});
