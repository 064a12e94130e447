import type { AuthPrincipal, AuthRequestContext, AuthSession, AuthUser } from '@keel/core';
import type { AuthDriver } from '@keel/core/adapter';
import { authError, call } from './better-auth-errors.js';
import type { CheckedBetterAuthOptions } from './better-auth-options.js';
import { type BetterAuthServer, verificationPrefix } from './better-auth-server.js';

type Context = Awaited<BetterAuthServer['$context']>;
interface StoredUser {
  id: string;
  email: string;
  emailVerified: boolean;
  createdAt: Date;
  role?: string | null;
}
interface StoredSession {
  id: string;
  token: string;
  userId: string;
  expiresAt: Date;
  createdAt: Date;
}

/**
 * The contract's operations on better-auth. Sign-up, sign-in, password changes, resets and email
 * verification are better-auth's endpoints, called in-process (`auth.api.*`); session checks
 * (for speed), ending sessions by id or by user and replacing roles (its endpoints for them need
 * an admin's session) use its internal adapter. This adapter adds what the contract has and
 * better-auth has not: an absolute session lifetime, and single-use verification tokens.
 *
 * @example
 * const driver = betterAuthDriver(server, options);
 */
export function betterAuthDriver(
  auth: BetterAuthServer,
  o: CheckedBetterAuthOptions,
): Omit<AuthDriver, 'adapter' | 'capabilities' | 'open' | 'close' | 'health'> {
  const context = (): Promise<Context> => auth.$context;
  const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });
  const absoluteEnd = (s: StoredSession) => new Date(s.createdAt).getTime() + o.sessions.absoluteTimeoutMs;
  const live = (s: StoredSession, now = Date.now()) => new Date(s.expiresAt).getTime() > now && absoluteEnd(s) > now;

  function roles(user: StoredUser): string[] {
    return (user.role ?? '').split(',').filter((r) => r.length > 0);
  }
  function toUser(user: StoredUser): AuthUser {
    return {
      id: user.id,
      email: user.email,
      emailVerified: Boolean(user.emailVerified),
      roles: roles(user),
      createdAt: new Date(user.createdAt).getTime(),
    };
  }
  function principal(session: StoredSession, user: StoredUser): AuthPrincipal {
    const granted = new Set(roles(user).flatMap((r) => o.roles[r] ?? []));
    return { ...pick(toUser(user)), permissions: [...granted], sessionId: session.id };
  }
  function toSession(token: string, session: StoredSession, user: StoredUser): AuthSession {
    const expiresAt = absoluteEnd(session);
    return {
      principal: principal(session, user),
      token,
      expiresAt,
      idleExpiresAt: Math.min(new Date(session.expiresAt).getTime(), expiresAt),
      tokens: undefined,
    };
  }
  async function sessionOf(token: string, op: string): Promise<AuthSession> {
    const found = await (await context()).internalAdapter.findSession(token);
    if (!found) throw authError('INVALID_TOKEN', op);
    return toSession(token, found.session as StoredSession, found.user as StoredUser);
  }
  async function userById(id: string): Promise<StoredUser | undefined> {
    return ((await (await context()).internalAdapter.findUserById(id)) as StoredUser | null) ?? undefined;
  }
  /**
   * The session of a token, checked as better-auth's `getSession` checks it (expired: deleted;
   * due for a refresh after `updateAge`: its expiry moved by `expiresIn`), on its internal adapter
   * directly: the endpoint's request machinery cost ~2 ms a call, the rows ~0.5 ms. On top, the
   * absolute lifetime, which better-auth has not: a session past it is deleted and `EXPIRED`.
   */
  async function verified(token: string, op: string): Promise<{ session: StoredSession; user: StoredUser }> {
    const ctx = await context();
    const found = await ctx.internalAdapter.findSession(token);
    if (!found) throw authError('INVALID_TOKEN', op);
    const session = found.session as StoredSession;
    const now = Date.now();
    const idleEnd = new Date(session.expiresAt).getTime();
    if (idleEnd <= now || absoluteEnd(session) <= now) {
      await ctx.internalAdapter.deleteSession(token);
      throw authError(idleEnd <= now ? 'INVALID_TOKEN' : 'EXPIRED', op);
    }
    if (idleEnd - o.sessions.idleTimeoutMs + o.sessions.touchAfterMs <= now) {
      const moved = await ctx.internalAdapter.updateSession(token, {
        expiresAt: new Date(now + o.sessions.idleTimeoutMs),
        updatedAt: new Date(now),
      });
      // Deleted meanwhile (a logout in another request).
      if (!moved) throw authError('INVALID_TOKEN', op);
      return { session: moved as StoredSession, user: found.user as StoredUser };
    }
    return { session, user: found.user as StoredUser };
  }

  return {
    async register({ email, password }, ctx) {
      const { user } = await call('register', () =>
        auth.api.signUpEmail({ body: { email, password, name: '' }, headers: requestHeaders(ctx) }),
      );
      const stored = await userById(user.id);
      if (stored) return toUser(stored);
      // Without auto sign-in, better-auth answers a taken email with a made-up user (so that its
      // HTTP endpoint tells nothing); the contract's register says EMAIL_TAKEN.
      if (await (await context()).internalAdapter.findUserByEmail(email)) throw authError('EMAIL_TAKEN', 'register');
      throw authError('INTERNAL', 'register', 'the new account was not found');
    },

    async login({ email, password }, ctx) {
      const { token } = await call('login', () =>
        auth.api.signInEmail({ body: { email, password, rememberMe: true }, headers: requestHeaders(ctx) }),
      );
      return sessionOf(token, 'login');
    },

    async verifySession(token) {
      const { session, user } = await verified(token, 'verifySession');
      return principal(session, user);
    },

    async logout(token) {
      await (await context()).internalAdapter.deleteSession(token);
      return undefined;
    },

    async logoutEverywhere(userId) {
      const ctx = await context();
      const sessions = (await ctx.internalAdapter.listSessions(userId)) as StoredSession[];
      await ctx.internalAdapter.deleteUserSessions(userId);
      return sessions.filter((s) => live(s)).length;
    },

    async revokeSession(sessionId) {
      const ctx = await context();
      const session = await ctx.adapter.findOne<StoredSession>({
        model: 'session',
        where: [{ field: 'id', value: sessionId }],
      });
      if (!session) return false;
      await ctx.internalAdapter.deleteSession(session.token);
      return live(session);
    },

    async changePassword(token, currentPassword, newPassword) {
      await verified(token, 'changePassword');
      const changed = await call('changePassword', () =>
        auth.api.changePassword({
          body: { currentPassword, newPassword, revokeOtherSessions: true },
          headers: bearer(token),
        }),
      );
      if (!changed.token) throw authError('INTERNAL', 'changePassword', 'better-auth returned no new session');
      return sessionOf(changed.token, 'changePassword');
    },

    async requestPasswordReset(email) {
      await call('requestPasswordReset', () => auth.api.requestPasswordReset({ body: { email } }));
    },

    async completePasswordReset(token, newPassword) {
      const ctx = await context();
      // The token's account, read before better-auth spends it: a completed reset proves the email.
      const record = await ctx.internalAdapter.findVerificationValue(`reset-password:${token}`);
      await call('completePasswordReset', () => auth.api.resetPassword({ body: { token, newPassword } }));
      if (record) await ctx.internalAdapter.updateUser(record.value, { emailVerified: true });
    },

    async requestEmailVerification(userId) {
      const user = await userById(userId);
      if (!user) throw authError('INVALID_ARGUMENT', 'requestEmailVerification', 'no such user');
      await call('requestEmailVerification', () => auth.api.sendVerificationEmail({ body: { email: user.email } }));
    },

    async verifyEmail(token) {
      const ctx = await context();
      const id = `${verificationPrefix}${token}`;
      // Spent here, once: a second use (or a concurrent one) finds nothing.
      const record = await ctx.internalAdapter.consumeVerificationValue(id);
      if (!record) throw authError('INVALID_TOKEN', 'verifyEmail');
      if (new Date(record.expiresAt).getTime() <= Date.now()) throw authError('EXPIRED', 'verifyEmail');
      await call('verifyEmail', () => auth.api.verifyEmail({ query: { token: record.value } }));
    },

    async getUser(userId) {
      const user = await userById(userId);
      return user ? toUser(user) : undefined;
    },

    async setRoles(userId, list) {
      const unknown = list.find((r) => !Object.hasOwn(o.roles, r));
      if (unknown !== undefined) throw authError('INVALID_ARGUMENT', 'setRoles', `'${unknown}' is not a role`);
      if (!(await userById(userId))) throw authError('INVALID_ARGUMENT', 'setRoles', 'no such user');
      const ctx = await context();
      await ctx.internalAdapter.updateUser(userId, { role: [...new Set(list)].join(',') });
      await ctx.internalAdapter.deleteUserSessions(userId);
    },
  };
}

function pick(user: AuthUser): Omit<AuthPrincipal, 'permissions' | 'sessionId'> {
  return { userId: user.id, email: user.email, emailVerified: user.emailVerified, roles: user.roles };
}

/** Where a request came from, as the headers better-auth reads (it records both on new sessions). */
function requestHeaders(ctx: AuthRequestContext): Headers {
  const headers = new Headers();
  if (ctx.ip) headers.set('x-forwarded-for', ctx.ip);
  if (ctx.userAgent) headers.set('user-agent', ctx.userAgent);
  return headers;
}
