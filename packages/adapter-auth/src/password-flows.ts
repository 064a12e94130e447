import { isOpaqueToken } from './auth-crypto.js';
import {
  assertStrongPassword,
  newUser,
  peekOneTimeToken,
  publicUser,
  sendOneTimeToken,
  startSession,
  type AuthRuntime,
} from './auth-runtime.js';
import { AuthError } from '@keel/core';
import type { AuthDriver } from '@keel/core/adapter';

const INVALID_CREDENTIALS = 'the email or password is wrong';
// With registration.enumeration 'hide', one message for every failed sign-in, unconfirmed emails included.
const INVALID_OR_UNCONFIRMED = 'the email or password is wrong, or the email is not confirmed yet';

type PasswordOps = Required<
  Pick<
    AuthDriver,
    | 'register'
    | 'login'
    | 'changePassword'
    | 'requestPasswordReset'
    | 'completePasswordReset'
    | 'requestEmailVerification'
    | 'verifyEmail'
  >
>;

/** The operations on local accounts: sign-up, sign-in, password changes and resets, email verification. */
export function passwordFlows(rt: AuthRuntime): PasswordOps {
  const { users, hasher, clock } = { users: rt.users, hasher: rt.options.hasher, clock: rt.options.clock };
  const hideAccounts = rt.options.registration.enumeration === 'hide';

  return {
    // With registration.enumeration 'hide', an existing email gets the answer a new one gets (a
    // user that is not stored) after the same hashing and insert attempt, and its owner an email.
    async register({ email, password }, context) {
      await rt.bruteForce.countRequest('register', context.ip);
      await assertStrongPassword(rt, password, email);
      const user = newUser(rt, { email, emailVerified: false, passwordHash: await hasher.hash(password) });
      try {
        await users.insert(user);
      } catch (error) {
        if (!(hideAccounts && error instanceof AuthError && error.code === 'EMAIL_TAKEN')) throw error;
        await tellOwner(rt, email);
        return publicUser(user);
      }
      if (rt.options.verifyEmailOnRegister && rt.delivery.configured)
        await sendOneTimeToken(rt, 'email-verification', user);
      return publicUser(user);
    },

    // Unknown email, account without a password, wrong password: the same answer after the same
    // work (one lookup, one hash verification, one failure count), so neither the answer nor
    // its timing tells whether the account exists. The failure is counted before the check, so
    // that parallel attempts cannot all pass the limit while their hashes run.
    async login({ email, password }, context) {
      await rt.bruteForce.assertOpen(email, context.ip);
      const attempt = await rt.bruteForce.begin(email, context.ip);
      const user = await users.byEmail(email);
      const stored = user?.passwordHash;
      const matches = await hasher.verify(stored ?? rt.dummyHash, password);
      // Hiding accounts at registration means an unconfirmed one cannot sign in either: whoever
      // registered an address could otherwise tell, by signing in, whether the account was new.
      if (!user || stored === undefined || !matches || (hideAccounts && !user.emailVerified)) {
        const message = hideAccounts ? INVALID_OR_UNCONFIRMED : INVALID_CREDENTIALS;
        throw new AuthError({ code: 'INVALID_CREDENTIALS', message });
      }
      await attempt.succeeded();
      if (hasher.needsRehash(stored)) {
        // The parameters changed since this hash was made: upgrade it now that we have the password.
        try {
          await users.setPasswordHash(user.id, await hasher.hash(password), clock.now());
        } catch (error) {
          rt.options.onError(error);
        }
      }
      return startSession(rt, user, context);
    },

    async changePassword(token, currentPassword, newPassword) {
      const session = await rt.sessions.verify(token);
      const user = await users.byId(session.uid);
      if (!user) throw new AuthError({ code: 'INVALID_TOKEN', message: 'the session belongs to no user' });
      await rt.bruteForce.assertOpen(user.email, undefined);
      const attempt = await rt.bruteForce.begin(user.email, undefined);
      const matches = await hasher.verify(user.passwordHash ?? rt.dummyHash, currentPassword);
      if (user.passwordHash === undefined || !matches) {
        throw new AuthError({ code: 'INVALID_CREDENTIALS', message: 'the current password is wrong' });
      }
      await attempt.succeeded();
      await assertStrongPassword(rt, newPassword, user.email);
      await users.setPasswordHash(user.id, await hasher.hash(newPassword), clock.now());
      await users.deleteTokens(user.id, 'password-reset');
      // A new password is a privilege change: every session ends, and the caller gets a new one.
      await rt.sessions.revokeAll(user.id);
      return startSession(rt, user, {
        ...(session.ip ? { ip: session.ip } : {}),
        ...(session.ua ? { userAgent: session.ua } : {}),
      });
    },

    // The same answer whether or not the account exists; the email leaves in the background
    // (by default), so the provider's latency does not tell either.
    async requestPasswordReset(email, context) {
      await rt.bruteForce.countRequest('password-reset', context.ip);
      await rt.bruteForce.countEmail('password-reset', email);
      const user = await users.byEmail(email);
      if (user) await sendOneTimeToken(rt, 'password-reset', user);
    },

    async completePasswordReset(token, newPassword) {
      if (!isOpaqueToken(token))
        throw new AuthError({ code: 'INVALID_TOKEN', message: 'the reset token is malformed' });
      const { hash, user } = await peekOneTimeToken(rt, 'password-reset', token);
      // Checked before the token is spent, so that the user can pick another password with the same link.
      await assertStrongPassword(rt, newPassword, user.email);
      const passwordHash = await hasher.hash(newPassword);
      if (!(await users.consumeToken(hash, 'password-reset'))) {
        throw new AuthError({ code: 'INVALID_TOKEN', message: 'the reset token is unknown or was used' });
      }
      const now = clock.now();
      await users.setPasswordHash(user.id, passwordHash, now);
      // The reset link reached the inbox, which is what verification proves.
      if (!user.emailVerified) await users.setEmailVerified(user.id, now);
      await users.deleteTokens(user.id, 'password-reset');
      await rt.sessions.revokeAll(user.id);
      await rt.bruteForce.clearAccount(user.email);
    },

    async requestEmailVerification(userId) {
      const user = await users.byId(userId);
      if (!user) throw new AuthError({ code: 'INVALID_ARGUMENT', message: `no user with id '${userId}'` });
      if (user.emailVerified) return;
      await rt.bruteForce.countEmail('email-verification', user.email);
      await sendOneTimeToken(rt, 'email-verification', user);
    },

    async verifyEmail(token) {
      if (!isOpaqueToken(token))
        throw new AuthError({ code: 'INVALID_TOKEN', message: 'the verification token is malformed' });
      const { hash, user } = await peekOneTimeToken(rt, 'email-verification', token);
      if (!(await users.consumeToken(hash, 'email-verification'))) {
        throw new AuthError({ code: 'INVALID_TOKEN', message: 'the verification token is unknown or was used' });
      }
      await users.setEmailVerified(user.id, clock.now());
      // Not a privilege change (roles stay), so live sessions keep their tokens and learn the news.
      await rt.sessions.updateAll(user.id, { ev: true });
    },
  };
}

/**
 * Tells the owner of an existing account that someone tried to register with its email, with a
 * reset link in case it was them. Past `maxEmailsPerAccount` reset emails in the window, nothing
 * is sent (shared with `requestPasswordReset`), and register still answers as for a new address.
 */
async function tellOwner(rt: AuthRuntime, email: string): Promise<void> {
  const owner = await rt.users.byEmail(email);
  if (owner && (await rt.bruteForce.mayEmail('password-reset', email)))
    await sendOneTimeToken(rt, 'password-reset', owner, 'account-exists');
}
