import { AuthError, type Auth } from '@keel/core';
import {
  defineAdapter,
  defineAuth,
  parseOptions,
  type AdapterContext,
  type AdapterDefinition,
  type AuthDriver,
} from '@keel/core/adapter';
import type { JSONWebKeySet } from 'jose';
import { authNeeds, resolveInstances } from './auth-instances.js';
import { createRuntime, openRuntime, principalOf, publicUser, type AuthRuntime } from './auth-runtime.js';
import {
  localAuthOptions,
  noPasswords,
  oidcAuthOptions,
  type CheckedLocalAuthOptions,
  type LocalAuthOptions,
  type OidcAuthOptions,
} from './local-auth-options.js';
import { oidcLogin } from './oidc-login.js';
import { argon2Hasher } from './password-hasher.js';
import { passwordFlows } from './password-flows.js';
import { must } from './store-results.js';

/** An auth instance from this package: the contract, plus the public keys of its access tokens. */
export interface LocalAuth extends Auth {
  /** The JWKS other services use to verify our access tokens (empty without `accessTokens`). Opens the adapter. */
  accessTokenJwks(): Promise<JSONWebKeySet>;
}

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
export function createLocalAuth(options: LocalAuthOptions): LocalAuth {
  return build('local', parseOptions(localAuthOptions, options, 'createLocalAuth'), 'createLocalAuth', undefined);
}

/**
 * Sign-in through OpenID providers only (Okta, Auth0, any issuer): no passwords, so no
 * registration, password changes or resets. Accounts, sessions and roles work as in `createLocalAuth`.
 *
 * @example
 * const provider = auth0({ domain: 'acme.eu.auth0.com', clientId, clientSecret, redirectUri });
 * const auth = createOidcAuth({ sql, kv, oidc: { providers: [provider] } });
 * const { url } = (await auth.beginOidcLogin('auth0', { returnTo: '/dashboard' }))._unsafeUnwrap();
 */
export function createOidcAuth(options: OidcAuthOptions): LocalAuth {
  return build(
    'oidc',
    { ...noPasswords, ...parseOptions(oidcAuthOptions, options, 'createOidcAuth') },
    'createOidcAuth',
    undefined,
  );
}

/**
 * Registers the adapter as `local`, so that config can choose it. It is built on the app's sql
 * and kv instances (and its email instance, when it has one), which start before it.
 *
 * @example
 * const keel = await createKeel(config, { adapters: [sqliteAdapter, levelKvAdapter, localAuthAdapter] });
 */
// Typed by name, so that the declaration file refers to the schema instead of spelling its type out.
export const localAuthAdapter: AdapterDefinition<'auth', typeof localAuthOptions> = defineAdapter({
  interface: 'auth',
  id: 'local',
  package: '@keel/adapter-auth',
  options: localAuthOptions,
  needs: authNeeds,
  create: (options, context) => build('local', options, 'createLocalAuth', context),
});

/**
 * Registers the adapter as `oidc` (OpenID providers only, no passwords).
 *
 * @example
 * const keel = await createKeel(config, { adapters: [sqliteAdapter, levelKvAdapter, oidcAuthAdapter] });
 */
export const oidcAuthAdapter: AdapterDefinition<'auth', typeof oidcAuthOptions> = defineAdapter({
  interface: 'auth',
  id: 'oidc',
  package: '@keel/adapter-auth',
  options: oidcAuthOptions,
  needs: authNeeds,
  create: (options, context) => build('oidc', { ...noPasswords, ...options }, 'createOidcAuth', context),
});

/**
 * Both adapters of this package, to register at once.
 *
 * @example
 * const keel = await createKeel(config, { adapters: [...authAdapters, sqliteAdapter, memoryKvAdapter] });
 */
export const authAdapters: readonly [typeof localAuthAdapter, typeof oidcAuthAdapter] = [
  localAuthAdapter,
  oidcAuthAdapter,
];

function build(
  adapter: string,
  checked: CheckedLocalAuthOptions,
  where: string,
  context: AdapterContext | undefined,
): LocalAuth {
  const { argon2, hasher, ...rest } = checked;
  const resolved = {
    ...rest,
    ...resolveInstances(checked, where, context),
    hasher: hasher ?? argon2Hasher(argon2),
  };
  const rt = createRuntime(resolved);
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
      return { providers: [...resolved.oidc.providers.keys()], signIn: rt.oidc?.describe() ?? {} };
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
