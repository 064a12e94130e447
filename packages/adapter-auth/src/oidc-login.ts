import { newUser, startSession, type AuthRuntime } from './auth-runtime.js';
import { AuthError } from '@keel/core';
import type { AuthDriver } from '@keel/core/adapter';
import type { SignInIdentity } from './oidc-flow.js';
import type { SignInFlow } from './sign-in-flow.js';
import type { StoredUser } from './user-store.js';

type OidcOps = Required<Pick<AuthDriver, 'beginOidcLogin' | 'completeOidcLogin'>>;

/** Sign-in with OpenID providers and GitHub, and how their users map to local accounts. */
export function oidcLogin(rt: AuthRuntime, flow: SignInFlow): OidcOps {
  return {
    beginOidcLogin(provider, options) {
      if (options.returnTo !== undefined && !isLocalPath(options.returnTo)) {
        throw new AuthError({
          code: 'INVALID_ARGUMENT',
          message: 'returnTo must be a path on this site, such as /settings (no scheme, host or //)',
        });
      }
      return flow.begin(provider, options);
    },

    async completeOidcLogin(provider, params, context) {
      const identity = await flow.complete(provider, params);
      const user =
        (await rt.users.byIdentity(identity.provider.name, identity.subject)) ?? (await linkOrCreate(rt, identity));
      const session = await startSession(rt, user, context, {
        prov: identity.provider.name,
        ...(identity.idToken === undefined ? {} : { idt: identity.idToken }),
      });
      return { session, returnTo: identity.returnTo };
    },
  };
}

/**
 * A first sign-in with this provider account. An existing account is linked only when the
 * provider may link by email (`linkVerifiedEmail`, off unless configured: a provider that would
 * claim any address verified could otherwise take over any account) and has verified the email.
 * If that account had never verified its email, whoever registered it may not own the address
 * (account pre-hijacking), so its password is removed and its sessions end: from now on the
 * provider's user owns it.
 */
async function linkOrCreate(rt: AuthRuntime, identity: SignInIdentity): Promise<StoredUser> {
  const { provider, subject, email, emailVerified } = identity;
  if (!email)
    throw new AuthError({
      code: 'ACCESS_DENIED',
      message: `${provider.name} shared no email address (ask for the email scope)`,
    });
  const now = rt.options.clock.now();
  const existing = await rt.users.byEmail(email);
  if (existing) {
    if (!provider.linkVerifiedEmail) {
      throw new AuthError({
        code: 'ACCESS_DENIED',
        message: `${provider.name} may not link to an existing account by email (its linkVerifiedEmail is off)`,
      });
    }
    if (!emailVerified) {
      throw new AuthError({
        code: 'ACCESS_DENIED',
        message: `${provider.name} has not verified this email, so it cannot be linked to the existing account`,
      });
    }
    await rt.users.link(provider.name, subject, existing.id, now);
    if (existing.emailVerified) return existing;
    await rt.users.clearPasswordHash(existing.id, now);
    await rt.users.setEmailVerified(existing.id, now);
    await rt.sessions.revokeAll(existing.id);
    return { ...existing, emailVerified: true, passwordHash: undefined };
  }
  if (!provider.createUsers)
    throw new AuthError({
      code: 'ACCESS_DENIED',
      message: `no account uses this email and ${provider.name} may not create one`,
    });
  const user = newUser(rt, {
    email,
    emailVerified,
    passwordHash: undefined,
    roles: provider.defaultRoles ?? rt.options.defaultRoles,
  });
  await rt.users.insert(user, { provider: provider.name, subject });
  return user;
}

/** `/path?query`, never `//host`, `/\host` or `https://…`: an open redirect is a phishing tool. */
function isLocalPath(value: string): boolean {
  return value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') && !/[\u0000-\u001f]/.test(value);
}
