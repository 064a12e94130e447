import { randomUUID } from 'node:crypto';
import { createAccessTokens, type AccessTokens } from './access-tokens.js';
import { randomToken, tokenHash } from './auth-crypto.js';
import { migrateAuthSchema } from './auth-migrations.js';
import { createBruteForce, type BruteForce } from './brute-force.js';
import { AuthError, type AuthPrincipal, type AuthRequestContext, type AuthSession, type AuthUser } from '@keel/core';
import type { ResolvedLocalAuthOptions } from './local-auth-options.js';
import { createSignInFlow, type SignInFlow } from './sign-in-flow.js';
import { createPasswordPolicy, describePasswordProblems, type PasswordPolicy } from './password-policy.js';
import { createRbac, type Rbac } from './rbac.js';
import { createRefreshTokens, type RefreshTokens } from './refresh-tokens.js';
import { createSessionStore, type SessionRecord, type SessionSnapshot, type SessionStore } from './session-store.js';
import { kvKeys } from './store-results.js';
import { createTokenDelivery, type AuthTokenMessageKind, type TokenDelivery } from './token-delivery.js';
import { createUserStore, type OneTimeTokenKind, type StoredUser, type UserStore } from './user-store.js';

/** Everything the operations share; the parts that need I/O are made in `open`. */
export interface AuthRuntime {
  readonly options: ResolvedLocalAuthOptions;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly bruteForce: BruteForce;
  readonly rbac: Rbac;
  readonly policy: PasswordPolicy;
  readonly delivery: TokenDelivery;
  readonly oidc: SignInFlow | undefined;
  readonly refreshTokens: RefreshTokens | undefined;
  /** Set by `open` when access tokens are on. */
  accessTokens: AccessTokens | undefined;
  /** A hash of a random password at the current parameters, verified when the email is unknown. */
  dummyHash: string;
}

export function createRuntime(options: ResolvedLocalAuthOptions): AuthRuntime {
  const { kv, clock } = options;
  const keys = kvKeys(options.keyPrefix);
  const sessions = createSessionStore({ kv, keys, clock, ...options.sessions });
  const rbac = createRbac(options.roles);
  return {
    options,
    users: createUserStore(options.sql, options.tablePrefix),
    sessions,
    bruteForce: createBruteForce(kv, keys, clock, options.bruteForce),
    rbac,
    policy: createPasswordPolicy(options.password),
    delivery: createTokenDelivery({
      email: options.email,
      mail: options.mail,
      deliverToken: options.deliverToken,
      onError: options.onError,
      clock,
    }),
    oidc:
      options.oidc.providers.size > 0
        ? createSignInFlow(options.oidc.providers, kv, keys, clock, options.oidc.stateTtlMs)
        : undefined,
    refreshTokens: options.accessTokens ? createRefreshTokens({ kv, keys, clock, sessions }) : undefined,
    accessTokens: undefined,
    dummyHash: '',
  };
}

/** Migrations, signing keys and the dummy hash: the start-up work, run once by the lifecycle. */
export async function openRuntime(rt: AuthRuntime): Promise<void> {
  const { options } = rt;
  if (options.migrate) await migrateAuthSchema(options.sql, options.tablePrefix);
  if (options.accessTokens) rt.accessTokens = await createAccessTokens(options.accessTokens, options.clock);
  if (options.passwords) rt.dummyHash = await options.hasher.hash(randomToken());
}

export function principalOf(
  rt: AuthRuntime,
  record: Pick<SessionRecord, 'uid' | 'email' | 'ev' | 'roles' | 'sid'>,
): AuthPrincipal {
  return {
    userId: record.uid,
    email: record.email,
    emailVerified: record.ev,
    roles: [...record.roles],
    permissions: [...rt.rbac.permissionsOf(record.roles)],
    sessionId: record.sid,
  };
}

export function publicUser(user: StoredUser): AuthUser {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    roles: [...user.roles],
    createdAt: user.createdAt,
  };
}

/** A new session for a user, with access and refresh tokens when they are on. */
export async function startSession(
  rt: AuthRuntime,
  user: StoredUser,
  context: AuthRequestContext,
  origin: Pick<SessionSnapshot, 'prov' | 'idt'> = {},
): Promise<AuthSession> {
  const snapshot: SessionSnapshot = {
    uid: user.id,
    email: user.email,
    ev: user.emailVerified,
    roles: user.roles,
    ...origin,
  };
  const { token, record } = await rt.sessions.create(snapshot, context);
  let tokens: AuthSession['tokens'];
  if (rt.accessTokens && rt.refreshTokens) {
    const access = await rt.accessTokens.sign({
      sub: user.id,
      sid: record.sid,
      email: user.email,
      emailVerified: user.emailVerified,
      roles: user.roles,
    });
    const refresh = await rt.refreshTokens.issue(record);
    tokens = {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refresh.expiresAt,
    };
  }
  return {
    principal: principalOf(rt, record),
    token,
    expiresAt: record.ae,
    idleExpiresAt: rt.sessions.idleExpiresAt(record),
    tokens,
  };
}

export function newUser(
  rt: AuthRuntime,
  fields: Pick<StoredUser, 'email' | 'emailVerified' | 'passwordHash'> & { roles?: readonly string[] },
): StoredUser {
  return {
    id: randomUUID(),
    roles: fields.roles ?? rt.options.defaultRoles,
    createdAt: rt.options.clock.now(),
    ...fields,
  };
}

/** `WEAK_PASSWORD` with the reasons, or nothing. */
export async function assertStrongPassword(rt: AuthRuntime, password: string, email: string): Promise<void> {
  const reasons = await rt.policy.problems(password, email);
  if (reasons.length > 0) {
    throw new AuthError({
      code: 'WEAK_PASSWORD',
      message: describePasswordProblems(reasons, rt.options.password),
      reasons,
    });
  }
}

/** Stores a one-time token's hash and sends the token, in a message of `messageKind` (the token's kind unless told). */
export async function sendOneTimeToken(
  rt: AuthRuntime,
  kind: OneTimeTokenKind,
  user: StoredUser,
  messageKind: AuthTokenMessageKind = kind,
): Promise<void> {
  const token = randomToken();
  const now = rt.options.clock.now();
  const expiresAt = now + (kind === 'password-reset' ? rt.options.resetTokenTtlMs : rt.options.verificationTokenTtlMs);
  await rt.users.addToken(tokenHash(token), kind, user.id, expiresAt, now);
  await rt.delivery.deliver({
    kind: messageKind,
    userId: user.id,
    email: user.email,
    token,
    url: rt.delivery.urlFor(messageKind, token),
    expiresAt,
  });
}

/** The user a one-time token belongs to, without spending it; `INVALID_TOKEN` or `EXPIRED` otherwise. */
export async function peekOneTimeToken(
  rt: AuthRuntime,
  kind: OneTimeTokenKind,
  token: string,
): Promise<{ hash: string; user: StoredUser }> {
  const hash = tokenHash(token);
  const found = await rt.users.findToken(hash, kind);
  const what = kind === 'password-reset' ? 'reset' : 'verification';
  if (!found) throw new AuthError({ code: 'INVALID_TOKEN', message: `the ${what} token is unknown or was used` });
  if (rt.options.clock.now() >= found.expiresAt) {
    await rt.users.consumeToken(hash, kind);
    throw new AuthError({ code: 'EXPIRED', message: `the ${what} token has expired` });
  }
  const user = await rt.users.byId(found.userId);
  if (!user) throw new AuthError({ code: 'INVALID_TOKEN', message: `the ${what} token is unknown or was used` });
  return { hash, user };
}
