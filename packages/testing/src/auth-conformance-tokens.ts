import { expect } from 'vitest';
import type { AuthHarness } from './auth-harness.js';
import { expectErr, expectOk } from './expect-result.js';

const LONG_AGO = 40 * 24 * 60 * 60_000;

/** One-time tokens (reset, verification) and access and refresh tokens. */
export function describeAuthTokenConformance(h: AuthHarness): void {
  h.test(
    'resets a password with a single-use token; unknown emails answer the same',
    async () => {
      const { instance: auth, context } = await h.create();
      const { email, password } = await h.signUp(auth);
      const session = await h.signIn(auth, email, password);
      const stranger = h.email();
      expectOk(await auth.requestPasswordReset(stranger));
      const token = await h.tokenFrom(context, 'password-reset', email, async () =>
        expectOk(await auth.requestPasswordReset(email.toUpperCase())),
      );
      expect(await h.tokenCount(context, 'password-reset', stranger)).toBe(0);
      expectErr(await auth.completePasswordReset(token, '123'), 'WEAK_PASSWORD');
      expectOk(await auth.completePasswordReset(token, 'reset passphrase 1999'));
      expectErr(await auth.completePasswordReset(token, 'another passphrase 2000'), 'INVALID_TOKEN');
      expectErr(await auth.verifySession(session.token), 'INVALID_TOKEN');
      expectErr(await auth.login({ email, password }), 'INVALID_CREDENTIALS');
      const renewed = await h.signIn(auth, email, 'reset passphrase 1999');
      expect(renewed.principal.emailVerified).toBe(true);
    },
    'tokenDelivery',
  );

  h.test(
    'refuses a reset token after it expires',
    async () => {
      const { instance: auth, context } = await h.create();
      const { email } = await h.signUp(auth);
      const token = await h.tokenFrom(context, 'password-reset', email, async () =>
        expectOk(await auth.requestPasswordReset(email)),
      );
      await h.elapse(context, LONG_AGO);
      expectErr(await auth.completePasswordReset(token, 'reset passphrase 1999'), 'EXPIRED');
      expectErr(await auth.completePasswordReset(token, 'reset passphrase 1999'), 'INVALID_TOKEN');
      expectErr(await auth.completePasswordReset('A'.repeat(43), 'reset passphrase 1999'), 'INVALID_TOKEN');
    },
    'tokenDelivery',
  );

  h.test(
    'verifies an email with a single-use token, and live sessions learn it',
    async () => {
      const { instance: auth, context } = await h.create();
      const { user, email, password } = await h.signUp(auth);
      const session = await h.signIn(auth, email, password);
      const token = await h.tokenFrom(context, 'email-verification', email, async () =>
        expectOk(await auth.requestEmailVerification(user.id)),
      );
      expectOk(await auth.verifyEmail(token));
      expectErr(await auth.verifyEmail(token), 'INVALID_TOKEN');
      expect(expectOk(await auth.getUser(user.id))?.emailVerified).toBe(true);
      expect(expectOk(await auth.verifySession(session.token)).emailVerified).toBe(true);
      expectErr(await auth.requestEmailVerification('no-such-user'), 'INVALID_ARGUMENT');
    },
    'tokenDelivery',
  );

  h.test(
    'issues access tokens that verify to the session principal until they expire',
    async () => {
      const { instance: auth, context } = await h.create();
      const { email, password } = await h.signUp(auth);
      const session = await h.signIn(auth, email, password);
      const tokens = session.tokens;
      if (!tokens) throw new Error('accessTokens is declared but the session has no tokens');
      expect(expectOk(await auth.verifyAccessToken(tokens.accessToken))).toEqual(session.principal);
      expectErr(await auth.verifyAccessToken(`${tokens.accessToken.slice(0, -4)}AAAA`), 'INVALID_TOKEN');
      expectErr(await auth.verifyAccessToken(session.token), 'INVALID_TOKEN');
      await h.elapse(context, tokens.accessTokenExpiresAt - context.clock.now() + 60_000);
      expectErr(await auth.verifyAccessToken(tokens.accessToken), 'EXPIRED');
    },
    'accessTokens',
  );

  h.test(
    'rotates refresh tokens, and a reused one revokes the whole session',
    async () => {
      const auth = await h.instance();
      const { email, password } = await h.signUp(auth);
      const session = await h.signIn(auth, email, password);
      const first = session.tokens?.refreshToken as string;
      const second = expectOk(await auth.refresh(first));
      expect(second.refreshToken).not.toBe(first);
      expect(expectOk(await auth.verifyAccessToken(second.accessToken)).sessionId).toBe(session.principal.sessionId);
      const third = expectOk(await auth.refresh(second.refreshToken));
      // The first token again: someone kept a copy. The family (session and all its tokens) ends.
      expectErr(await auth.refresh(first), 'INVALID_TOKEN');
      expectErr(await auth.refresh(third.refreshToken), 'INVALID_TOKEN');
      expectErr(await auth.verifySession(session.token), 'INVALID_TOKEN');
      expectErr(await auth.refresh(session.token), 'INVALID_TOKEN');
    },
    'accessTokens',
  );

  h.test(
    'a refresh token dies with its session',
    async () => {
      const auth = await h.instance();
      const { email, password } = await h.signUp(auth);
      const session = await h.signIn(auth, email, password);
      expectOk(await auth.logout(session.token));
      expectErr(await auth.refresh(session.tokens?.refreshToken as string), 'INVALID_TOKEN');
    },
    'accessTokens',
  );
}
