import type { AdapterContext } from '@keel/core';
import type { JSONWebKeySet } from 'jose';
import { createRuntime, openRuntime, principalOf, publicUser, type AuthRuntime } from './auth-runtime.js';
import { AuthError, defineAuth, type Auth, type AuthDriver } from '@keel/core';
import { resolveLocalAuthOptions, type LocalAuthOptions } from './local-auth-options.js';
import { oidcLogin } from './oidc-login.js';
import { passwordFlows } from './password-flows.js';
import { must } from './store-results.js';

/** An auth instance from this package: the contract, plus the public keys of its access tokens. */
export interface LocalAuth extends Auth {
  /** The JWKS other services use to verify our access tokens (empty without `accessTokens`). Opens the adapter. */
  accessTokenJwks(): Promise<JSONWebKeySet>;
}

/** Options of `createOidcAuth`: those of `createLocalAuth` without passwords, with at least one provider. */
export type OidcAuthOptions = Omit<
  LocalAuthOptions,
  'passwords' | 'password' | 'argon2' | 'hasher' | 'resetTokenTtlMs' | 'registration'
> & {
  readonly oidc: NonNullable<LocalAuthOptions['oidc']>;
};

/**
 * Local accounts (argon2id passwords) and sessions, with optional JWT access tokens and any
 * number of OpenID providers. Users and one-time tokens live in sql (the adapter creates its
 * tables), sessions and counters in kv. Built by `createKeel` (`auth: { adapter: 'local' }`),
 * it takes the app's default sql, kv and email instances unless told otherwise.
 *
 * @example
 * const auth = createLocalAuth({
 *   sql, kv, email, mail: { from: 'Acme <no-reply@acme.test>', resetUrl: 'https://acme.test/reset?token={token}' },
 *   roles: { admin: ['*'], editor: ['posts:*', 'comments:read'] },
 *   defaultRoles: ['editor'],
 *   oidc: { providers: [okta({ domain: 'acme.okta.com', clientId, clientSecret, redirectUri })] },
 * });
 * const session = (await auth.login({ email, password }, { ip }))._unsafeUnwrap();
 */
export function createLocalAuth(options: LocalAuthOptions, context?: AdapterContext): LocalAuth {
  return build('local', 'createLocalAuth', options, context);
}

/**
 * Sign-in through OpenID providers only (Okta, Auth0, any issuer): no passwords, so no
 * registration, password changes or resets. Accounts, sessions and roles work as in `createLocalAuth`.
 *
 * @example
 * const auth = createOidcAuth({ sql, kv, oidc: { providers: [auth0({ domain: 'acme.eu.auth0.com', clientId, clientSecret, redirectUri })] } });
 * const { url } = (await auth.beginOidcLogin('auth0', { returnTo: '/dashboard' }))._unsafeUnwrap();
 */
export function createOidcAuth(options: OidcAuthOptions, context?: AdapterContext): LocalAuth {
  if (!options?.oidc?.providers?.length)
    throw new TypeError('createOidcAuth: oidc.providers needs at least one provider');
  return build('oidc', 'createOidcAuth', { ...options, passwords: false }, context);
}

function build(
  adapter: string,
  factory: string,
  options: LocalAuthOptions,
  context: AdapterContext | undefined,
): LocalAuth {
  const resolved = resolveLocalAuthOptions(factory, options, context);
  const rt = createRuntime(resolved, factory);
  const capabilities = {
    passwords: resolved.passwords,
    tokenDelivery: resolved.passwords && rt.delivery.configured,
    accessTokens: resolved.accessTokens !== undefined,
    oidc: rt.oidc !== undefined,
  };
  const driver: AuthDriver = {
    adapter,
    capabilities,
    open: () => openRuntime(rt),
    close: () => rt.delivery.drain(),
    async health() {
      await must(resolved.sql.query(`SELECT 1 FROM ${resolved.tablePrefix}users LIMIT 1`), 'health');
      await must(resolved.kv.exists(`${resolved.keyPrefix}health`), 'health');
      return { providers: [...resolved.providers.keys()] };
    },
    ...sessionOps(rt),
    ...(resolved.passwords ? passwordFlows(rt) : {}),
    ...(rt.oidc ? oidcLogin(rt, rt.oidc) : {}),
  };
  const auth = defineAuth(driver);
  return Object.freeze({
    ...auth,
    async accessTokenJwks(): Promise<JSONWebKeySet> {
      const opened = await auth.open();
      if (opened.isErr()) throw opened.error;
      return rt.accessTokens?.jwks() ?? { keys: [] };
    },
  });
}

/** Sessions, tokens, users and roles: what every configuration has. */
function sessionOps(rt: AuthRuntime): Omit<AuthDriver, 'adapter' | 'capabilities'> {
  const { sessions, users } = rt;
  return {
    async verifySession(token) {
      return principalOf(rt, await sessions.verify(token));
    },

    async verifyAccessToken(token) {
      const claims = await (rt.accessTokens as NonNullable<AuthRuntime['accessTokens']>).verify(token);
      if (rt.options.accessTokens?.checkRevocation) await sessions.byId(claims.sid);
      return principalOf(rt, {
        uid: claims.sub,
        email: claims.email,
        ev: claims.emailVerified,
        roles: claims.roles,
        sid: claims.sid,
      });
    },

    async refresh(refreshToken) {
      const { session, next } = await (rt.refreshTokens as NonNullable<AuthRuntime['refreshTokens']>).rotate(
        refreshToken,
      );
      const access = await (rt.accessTokens as NonNullable<AuthRuntime['accessTokens']>).sign({
        sub: session.uid,
        sid: session.sid,
        email: session.email,
        emailVerified: session.ev,
        roles: session.roles,
      });
      return {
        accessToken: access.token,
        accessTokenExpiresAt: access.expiresAt,
        refreshToken: next.token,
        refreshTokenExpiresAt: next.expiresAt,
      };
    },

    async logout(token) {
      const record = await sessions.revokeToken(token);
      if (!record?.prov || !rt.oidc) return undefined;
      try {
        return await rt.oidc.endSessionUrl(record.prov, record.idt);
      } catch (error) {
        // The local session is over either way; only the provider's logout link is missing.
        rt.options.onError(error);
        return undefined;
      }
    },

    logoutEverywhere: (userId) => sessions.revokeAll(userId),
    revokeSession: (sessionId) => sessions.revokeId(sessionId),

    async getUser(userId) {
      const user = await users.byId(userId);
      return user ? publicUser(user) : undefined;
    },

    // New privileges come with a new session: every session of the user ends.
    async setRoles(userId, roles) {
      const unknown = roles.filter((r) => !rt.rbac.has(r));
      if (unknown.length > 0)
        throw new AuthError({ code: 'INVALID_ARGUMENT', message: `unknown roles: ${unknown.join(', ')}` });
      if (!(await users.setRoles(userId, roles, rt.options.clock.now()))) {
        throw new AuthError({ code: 'INVALID_ARGUMENT', message: `no user with id '${userId}'` });
      }
      await sessions.revokeAll(userId);
    },

    verifyEmail: () => {
      throw new AuthError({ code: 'INVALID_TOKEN', message: 'this adapter issues no verification tokens' });
    },
  };
}
