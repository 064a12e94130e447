import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { authCapabilityNames } from '@keel/core/adapter';
import type { ResultAsync } from '@keel/core';
import type { Auth } from '@keel/core';
import type { AuthError } from '@keel/core';
import { describeAuthSessionConformance } from './auth-conformance-sessions.js';
import { describeAuthTokenConformance } from './auth-conformance-tokens.js';
import { AuthHarness, type AuthConformanceOptions } from './auth-harness.js';
import { expectErr, expectOk } from './expect-result.js';

/**
 * The auth contract as tests, for any auth adapter: accounts, sessions and their expiry,
 * lockouts, one-time tokens, access and refresh tokens, roles, and that no answer tells an
 * unknown email from a wrong password. Tests that need a capability skip without it.
 *
 * @example
 * describeAuthConformance({
 *   name: 'local',
 *   factory: ({ clock }) => createLocalAuth({ sql, kv: createMemoryKv({ clock }), clock, roles: authConformanceRoles, defaultRoles: ['member'], … }),
 *   capabilities: { passwords: true, tokenDelivery: true, accessTokens: true, oidc: false },
 *   sentTokens: async () => outbox.tokens(),
 * });
 */
export function describeAuthConformance(options: AuthConformanceOptions): void {
  describe(`auth conformance: ${options.name}`, () => {
    const h = new AuthHarness(options);

    h.test('declares the capabilities it was registered with', async () => {
      expect({ ...(await h.instance()).capabilities }).toEqual({ ...options.capabilities });
    });

    h.test(
      'registers, signs in and verifies the session',
      async () => {
        const auth = await h.instance();
        const email = h.email();
        const { user, password } = await h.signUp(auth, `  ${email.toUpperCase()} `);
        expect(user).toMatchObject({ email, emailVerified: false, roles: ['member'] });
        expect(expectOk(await auth.getUser(user.id))).toEqual(user);
        expect(expectOk(await auth.getUser('no-such-user'))).toBeUndefined();
        const session = await h.signIn(auth, email, password);
        expect(session.token).toMatch(/^\S{32,}$/);
        expect(session.expiresAt).toBeGreaterThanOrEqual(session.idleExpiresAt);
        expect(session.principal).toMatchObject({ userId: user.id, email, emailVerified: false, roles: ['member'] });
        expect([...session.principal.permissions].sort()).toEqual(['profile:read', 'profile:write']);
        expect(expectOk(await auth.verifySession(session.token))).toEqual(session.principal);
        expect(session.tokens === undefined).toBe(!options.capabilities.accessTokens);
      },
      'passwords',
    );

    h.test(
      'refuses a second account with the same email, whatever its case',
      async () => {
        const auth = await h.instance();
        const { email } = await h.signUp(auth);
        expectErr(
          await auth.register({ email: email.toUpperCase(), password: 'another strong passphrase 7' }),
          'EMAIL_TAKEN',
        );
      },
      'passwords',
    );

    h.test(
      'refuses a weak password with WEAK_PASSWORD and its reasons',
      async () => {
        const auth = await h.instance();
        const error = expectErr(await auth.register({ email: h.email(), password: '123' }), 'WEAK_PASSWORD');
        expect(error.reasons?.length).toBeGreaterThan(0);
      },
      'passwords',
    );

    h.test(
      'answers an unknown email and a wrong password alike',
      async () => {
        const auth = await h.instance();
        const { email } = await h.signUp(auth);
        const unknown = expectErr(
          await auth.login({ email: h.email(), password: 'some wrong passphrase' }),
          'INVALID_CREDENTIALS',
        );
        const wrong = expectErr(await auth.login({ email, password: 'some wrong passphrase' }), 'INVALID_CREDENTIALS');
        expect(wrong.message).toBe(unknown.message);
      },
      'passwords',
    );

    h.test(
      'locks an account after repeated failures — known or not — and lets it in again later',
      async () => {
        const { instance: auth, context } = await h.create();
        const { email, password } = await h.signUp(auth);
        const lockedUntil = async (address: string) => {
          for (let attempt = 0; attempt < 25; attempt++) {
            const r = await auth.login({ email: address, password: 'wrong passphrase again' });
            if (r.isErr() && r.error.code === 'ACCOUNT_LOCKED') return r.error.lockedUntil as number;
            expectErr(r, 'INVALID_CREDENTIALS');
          }
          throw new Error('the account never locked');
        };
        const until = await lockedUntil(email);
        expect(until).toBeGreaterThan(context.clock.now());
        expect((await lockedUntil(h.email())) > context.clock.now()).toBe(true);
        expectErr(await auth.login({ email, password }), 'ACCOUNT_LOCKED');
        await h.elapse(context, until - context.clock.now() + 1);
        expectOk(await auth.login({ email, password }));
      },
      'passwords',
    );

    h.test('refuses malformed arguments before doing anything', async () => {
      const auth = await h.instance();
      if (options.capabilities.passwords)
        expectErr(await auth.login({ email: 'not an email', password: 'whatever it is' }), 'INVALID_ARGUMENT');
      expect(() => auth.login({ email: 42 as unknown as string, password: 'x' })).toThrow(TypeError);
      expectErr(await auth.revokeSession(''), 'INVALID_ARGUMENT');
      expect(() => auth.verifySession(undefined as unknown as string)).toThrow(TypeError);
      expectErr(await auth.verifySession(''), 'INVALID_TOKEN');
      expectErr(await auth.setRoles(h.email(), ['bad role!']), 'INVALID_ARGUMENT');
    });

    h.test('answers UNSUPPORTED for what its capabilities leave out', async () => {
      const auth = await h.instance();
      const c = options.capabilities;
      const token = 'A'.repeat(43);
      const calls: [keyof typeof c, () => ResultAsync<unknown, AuthError>][] = [
        ['passwords', () => auth.register({ email: h.email(), password: 'lantern harbor violet' })],
        ['passwords', () => auth.login({ email: h.email(), password: 'lantern harbor violet' })],
        ['accessTokens', () => auth.verifyAccessToken(token)],
        ['accessTokens', () => auth.refresh(token)],
        ['oidc', () => auth.beginOidcLogin('any')],
        ['tokenDelivery', () => auth.requestEmailVerification('someone')],
      ];
      for (const [capability, call] of calls) {
        if (!c[capability]) expectErr(await call(), 'UNSUPPORTED');
      }
      expect(authCapabilityNames.length).toBe(4);
    });

    h.test(
      'refuses an unknown OpenID provider',
      async () => {
        const auth = await h.instance();
        expectErr(await auth.beginOidcLogin('no-such-provider'), 'INVALID_ARGUMENT');
      },
      'oidc',
    );

    h.test(
      'authorizes by role, with wildcards, and new roles come with a new session',
      async () => {
        const auth = await h.instance();
        const { user, email, password } = await h.signUp(auth);
        const before = await h.signIn(auth, email, password);
        expectErr(await auth.authorize(before.principal, 'posts:publish'), 'ACCESS_DENIED');
        expectOk(await auth.setRoles(user.id, ['editor']));
        expectErr(await auth.verifySession(before.token), 'INVALID_TOKEN');
        const editor = (await h.signIn(auth, email, password)).principal;
        expect(editor.roles).toEqual(['editor']);
        for (const allowed of ['posts:publish', 'posts:drafts:delete', 'comments:read'])
          expectOk(await auth.authorize(editor, allowed));
        for (const denied of ['posts', 'comments:delete', 'profile:read', 'billing:invoices:read'])
          expectErr(await auth.authorize(editor, denied), 'ACCESS_DENIED');
        expectOk(await auth.setRoles(user.id, ['admin', 'member']));
        const admin = (await h.signIn(auth, email, password)).principal;
        expectOk(await auth.authorize(admin, 'billing:invoices:export'));
        expectErr(await auth.authorize(admin, 'not a permission'), 'INVALID_ARGUMENT');
        expectErr(await auth.setRoles('no-such-user', ['editor']), 'INVALID_ARGUMENT');
      },
      'passwords',
    );

    h.test(
      'random emails and passphrases register and sign in; others fail alike',
      async () => {
        const auth = await h.instance();
        const local = fc.stringMatching(/^[a-z0-9]{1,12}$/);
        const domain = fc.stringMatching(/^[a-z]{2,10}$/);
        const passphrase = fc.string({ unit: 'grapheme', minLength: 4, maxLength: 30 }).map((s) => `Zq8!${s}-harbor`);
        let n = 0;
        await fc.assert(
          fc.asyncProperty(local, domain, passphrase, passphrase, async (name, host, password, other) => {
            const email = `${name}.${n++}@${host}.example`;
            expectOk(await auth.register({ email, password }));
            expectOk(await auth.login({ email: email.toUpperCase(), password }));
            if (other.normalize('NFKC') !== password.normalize('NFKC'))
              expectErr(await auth.login({ email, password: other }), 'INVALID_CREDENTIALS');
          }),
          { numRuns: options.numRuns ?? 15 },
        );
      },
      'passwords',
    );

    h.test('every call after close is NOT_OPEN', async () => {
      const auth: Auth = await h.instance();
      await auth.close();
      await auth.close();
      expectErr(await auth.verifySession('A'.repeat(43)), 'NOT_OPEN');
      expectErr(await auth.getUser('someone'), 'NOT_OPEN');
      expect((await auth.health()).ok).toBe(false);
    });

    describeAuthSessionConformance(h);
    describeAuthTokenConformance(h);
    h.checkSkips();
  });
}
