import fc from 'fast-check';
import { expect } from 'vitest';
import type { AuthErrorCode } from '@keel/core';
import type { AuthHarness } from './auth-harness.js';
import { expectErr, expectOk } from './expect-result.js';

/** An ended session answers one of these: `EXPIRED` while the adapter still remembers it. */
const ENDED: readonly AuthErrorCode[] = ['EXPIRED', 'INVALID_TOKEN'];

/** Sessions: logout, revocation, idle and absolute expiry, password changes, forged tokens. */
export function describeAuthSessionConformance(h: AuthHarness): void {
  const { options } = h;

  h.test(
    'ends a session on logout, and logging out twice is fine',
    async () => {
      const auth = await h.instance();
      const { email, password } = await h.signUp(auth);
      const session = await h.signIn(auth, email, password);
      expectOk(await auth.logout(session.token));
      expectErr(await auth.verifySession(session.token), 'INVALID_TOKEN');
      expectOk(await auth.logout(session.token));
    },
    'passwords',
  );

  h.test(
    'revokes one session by id, and every session of a user',
    async () => {
      const auth = await h.instance();
      const { user, email, password } = await h.signUp(auth);
      const [first, second, third] = [
        await h.signIn(auth, email, password),
        await h.signIn(auth, email, password),
        await h.signIn(auth, email, password),
      ];
      expect(new Set([first.principal.sessionId, second.principal.sessionId, third.principal.sessionId]).size).toBe(3);
      expect(expectOk(await auth.revokeSession(first.principal.sessionId))).toBe(true);
      expect(expectOk(await auth.revokeSession(first.principal.sessionId))).toBe(false);
      expectErr(await auth.verifySession(first.token), 'INVALID_TOKEN');
      expectOk(await auth.verifySession(second.token));
      expect(expectOk(await auth.logoutEverywhere(user.id))).toBe(2);
      for (const s of [second, third]) expectErr(await auth.verifySession(s.token), 'INVALID_TOKEN');
      expect(expectOk(await auth.logoutEverywhere(user.id))).toBe(0);
    },
    'passwords',
  );

  h.test(
    'ends an unused session at its idle expiry',
    async () => {
      const { instance: auth, context } = await h.create();
      const { email, password } = await h.signUp(auth);
      const session = await h.signIn(auth, email, password);
      await h.elapse(context, session.idleExpiresAt - context.clock.now() - 1);
      expectOk(await auth.verifySession((await h.signIn(auth, email, password)).token));
      await h.elapse(context, 2);
      const error = await auth.verifySession(session.token);
      expect(error.isErr() && ENDED.includes(error.error.code)).toBe(true);
    },
    'passwords',
  );

  h.test(
    'keeps a session in use alive until its absolute expiry, and no longer',
    async () => {
      const { instance: auth, context } = await h.create();
      const { email, password } = await h.signUp(auth);
      const session = await h.signIn(auth, email, password);
      const step = Math.max(1, Math.floor((session.idleExpiresAt - context.clock.now()) / 2));
      let verified = 0;
      while (context.clock.now() + step < session.expiresAt) {
        await h.elapse(context, step);
        expectOk(await auth.verifySession(session.token));
        verified++;
      }
      expect(verified).toBeGreaterThan(0);
      await h.elapse(context, session.expiresAt - context.clock.now());
      const ended = await auth.verifySession(session.token);
      expect(ended.isErr() && ENDED.includes(ended.error.code)).toBe(true);
    },
    'passwords',
  );

  h.test(
    'changes the password: every old session ends and the new one works',
    async () => {
      const auth = await h.instance();
      const { email, password } = await h.signUp(auth);
      const [current, other] = [await h.signIn(auth, email, password), await h.signIn(auth, email, password)];
      expectErr(
        await auth.changePassword(current.token, 'not the password at all', 'a new passphrase 2024'),
        'INVALID_CREDENTIALS',
      );
      expectErr(await auth.changePassword(current.token, password, '123'), 'WEAK_PASSWORD');
      const renewed = expectOk(await auth.changePassword(current.token, password, 'a new passphrase 2024'));
      expect(renewed.token).not.toBe(current.token);
      for (const s of [current, other]) expectErr(await auth.verifySession(s.token), 'INVALID_TOKEN');
      expectOk(await auth.verifySession(renewed.token));
      expectErr(await auth.login({ email, password }), 'INVALID_CREDENTIALS');
      expectOk(await auth.login({ email, password: 'a new passphrase 2024' }));
    },
    'passwords',
  );

  h.test('no random string is a session token', async () => {
    const auth = await h.instance();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.base64String({ minLength: 40, maxLength: 48 }),
          fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        ),
        async (token) => {
          const r = await auth.verifySession(token);
          expect(r.isErr() && r.error.code).toBe('INVALID_TOKEN');
          const out = await auth.logout(token);
          if (out.isErr()) expect(out.error.code).toBe('INVALID_TOKEN');
        },
      ),
      { numRuns: options.numRuns ?? 40 },
    );
  });
}
