import {
  KeelOptionsError,
  instanceToken,
  readOptions,
  systemClock,
  tokens,
  type AdapterContext,
  type Clock,
  type Email,
  type Kv,
  type MaybePromise,
  type Sql,
} from '@keel/core';
import type { AccessTokenKey, AccessTokenOptions } from './access-tokens.js';
import { defaultBruteForce, type BruteForceOptions, type ResolvedBruteForceOptions } from './brute-force.js';
import { defaultIdTokenAlgorithms, type OidcProviderOptions } from './oidc-providers.js';
import type { ResolvedOidcProvider } from './oidc-flow.js';
import { createArgon2Hasher, type Argon2Params, type PasswordHasher } from './password-hasher.js';
import type { PasswordPolicyOptions } from './password-policy.js';
import type { RoleMap } from './rbac.js';
import type { AuthTokenMessage, TokenMailOptions } from './token-delivery.js';

/** Options of `createLocalAuth`. Durations are in milliseconds. */
export interface LocalAuthOptions {
  /** Users, credentials, OIDC links and one-time tokens: an `Sql`, or the name of a configured sql instance. @default the app's default sql instance */
  readonly sql?: Sql | string;
  /** Sessions, refresh tokens, OIDC state and attempt counters (needs `ttl`): a `Kv` or an instance name. @default the app's default kv instance */
  readonly kv?: Kv | string;
  /** Sends reset and verification emails: an `Email`, an instance name, or `false`. @default the app's default email instance, when it has one */
  readonly email?: Email | string | false;
  /** Local accounts with passwords. `false` leaves only OpenID providers. @default true */
  readonly passwords?: boolean;
  /** What a new password must be. @default { minLength: 12, maxLength: 256 } */
  readonly password?: PasswordPolicyOptions;
  /** argon2id parameters; changing them rehashes each password at its next sign-in. @default { memoryCost: 19456, timeCost: 2, parallelism: 1 } */
  readonly argon2?: Argon2Params;
  /** Replaces argon2id altogether (a counting wrapper in tests, say). @default createArgon2Hasher(argon2) */
  readonly hasher?: PasswordHasher;
  readonly sessions?: {
    /** A session unused this long ends. @default 1800000 (30 minutes) */
    readonly idleTimeoutMs?: number;
    /** A session ends this long after sign-in however active it is. @default 604800000 (7 days) */
    readonly absoluteTimeoutMs?: number;
  };
  /** JWT access tokens and rotating refresh tokens beside each session. @default false */
  readonly accessTokens?: AccessTokenOptions | boolean;
  readonly bruteForce?: BruteForceOptions;
  /** Role → permission patterns. @default {} */
  readonly roles?: RoleMap;
  /** Roles of new accounts. @default [] */
  readonly defaultRoles?: readonly string[];
  /** How long a password-reset token lasts. @default 3600000 (1 hour) */
  readonly resetTokenTtlMs?: number;
  /** How long an email-verification token lasts. @default 86400000 (24 hours) */
  readonly verificationTokenTtlMs?: number;
  /** Send a verification email on `register` (when tokens can be delivered). @default true */
  readonly verifyEmailOnRegister?: boolean;
  readonly registration?: {
    /**
     * What `register` answers for an email that already has an account. `'reveal'`: `EMAIL_TAKEN`,
     * as the contract describes, which tells anyone whether an address has an account (limited
     * per IP). `'hide'`: the same answer as for a new address (a user that is not stored: show
     * "check your mail"), and the account's owner is emailed that someone tried to sign up, with
     * a password-reset link; sign-in then needs a confirmed email (else `INVALID_CREDENTIALS`), so
     * that signing in after registering does not tell either. Needs `email` or `deliverToken`.
     * @default 'reveal'
     */
    readonly enumeration?: 'reveal' | 'hide';
  };
  readonly mail?: TokenMailOptions;
  /** Receives every reset and verification token, beside or instead of email (SMS, a queue, tests). */
  readonly deliverToken?: (message: AuthTokenMessage) => MaybePromise<void>;
  readonly oidc?: {
    readonly providers: readonly OidcProviderOptions[];
    /** How long a sign-in at a provider may take. @default 600000 (10 minutes) */
    readonly stateTtlMs?: number;
  };
  /** Prefix of every kv key. @default 'auth:' */
  readonly keyPrefix?: string;
  /** Prefix of every table. @default 'auth_' */
  readonly tablePrefix?: string;
  /** Create or upgrade the tables at open. @default true */
  readonly migrate?: boolean;
  /** Where time comes from; tests pass a clock they can move. @default the system clock */
  readonly clock?: Clock;
  /** Failures nobody awaits (background email delivery). @default process.emitWarning */
  readonly onError?: (error: unknown) => void;
}

export interface ResolvedLocalAuthOptions {
  readonly sql: Sql;
  readonly kv: Kv;
  readonly email: Email | undefined;
  readonly passwords: boolean;
  readonly password: Required<Pick<PasswordPolicyOptions, 'minLength' | 'maxLength'>> & PasswordPolicyOptions;
  readonly hasher: PasswordHasher;
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
  readonly accessTokens:
    | (Required<Omit<AccessTokenOptions, 'keys'>> & { keys: readonly AccessTokenKey[] | undefined })
    | undefined;
  readonly bruteForce: ResolvedBruteForceOptions;
  readonly roles: RoleMap;
  readonly defaultRoles: readonly string[];
  readonly resetTokenTtlMs: number;
  readonly verificationTokenTtlMs: number;
  readonly verifyEmailOnRegister: boolean;
  readonly registration: { readonly enumeration: 'reveal' | 'hide' };
  readonly mail: TokenMailOptions;
  readonly deliverToken: LocalAuthOptions['deliverToken'];
  readonly providers: ReadonlyMap<string, ResolvedOidcProvider>;
  readonly stateTtlMs: number;
  readonly keyPrefix: string;
  readonly tablePrefix: string;
  readonly migrate: boolean;
  readonly clock: Clock;
  readonly onError: (error: unknown) => void;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const MAX_MS = 366 * DAY;

/** Reads and checks every option; a mistake throws `KeelOptionsError` naming the field. */
export function resolveLocalAuthOptions(
  factory: string,
  options: LocalAuthOptions,
  context: AdapterContext | undefined,
): ResolvedLocalAuthOptions {
  const o = readOptions(factory, options);
  const fail = (field: string, problem: string): never => {
    throw new KeelOptionsError(field, problem, factory);
  };
  const duration = (reader: typeof o, field: string, fallback: number, min = 1000) =>
    reader.integer(field, fallback, { min, max: MAX_MS });

  const sql = instance<Sql>('sql', o.raw('sql'), context, ['query', 'execute'], fail) as Sql;
  const kv = instance<Kv>('kv', o.raw('kv'), context, ['get', 'increment', 'compareAndSwap'], fail) as Kv;
  if (!kv.capabilities.ttl) fail('kv', `kv adapter '${kv.adapter}' has no ttl capability, which sessions need`);
  const emailOption = o.raw('email');
  const email =
    emailOption === false
      ? undefined
      : (instance<Email>('email', emailOption, context, ['send'], fail, true) as Email | undefined);

  const policy = o.nested('password');
  const password = {
    minLength: policy.integer('minLength', 12, { min: 1, max: 1024 }),
    maxLength: policy.integer('maxLength', 256, { min: 8, max: 4096 }),
    check: policy.raw('check') as PasswordPolicyOptions['check'],
  };
  if (password.check !== undefined && typeof password.check !== 'function')
    fail('password.check', 'expected a function');
  policy.done();
  if (password.minLength > password.maxLength) fail('password.minLength', 'is greater than password.maxLength');

  const argon2 = o.nested('argon2');
  const argon2Params = {
    memoryCost: argon2.integer('memoryCost', 19456, { min: 8 }),
    timeCost: argon2.integer('timeCost', 2, { min: 1 }),
    parallelism: argon2.integer('parallelism', 1, { min: 1, max: 255 }),
  };
  argon2.done();
  const hasher = (o.raw('hasher') as PasswordHasher | undefined) ?? createArgon2Hasher(argon2Params);
  if (
    typeof hasher.hash !== 'function' ||
    typeof hasher.verify !== 'function' ||
    typeof hasher.needsRehash !== 'function'
  )
    fail('hasher', 'expected { hash, verify, needsRehash }');

  const sessions = o.nested('sessions');
  const idleTimeoutMs = duration(sessions, 'idleTimeoutMs', 30 * MINUTE);
  const absoluteTimeoutMs = duration(sessions, 'absoluteTimeoutMs', 7 * DAY);
  sessions.done();

  const accessTokens = readAccessTokens(o.raw('accessTokens'), factory, fail);

  const bf = o.nested('bruteForce');
  const bruteForce: ResolvedBruteForceOptions = {
    maxFailuresPerAccount: bf.integer('maxFailuresPerAccount', defaultBruteForce.maxFailuresPerAccount, {
      min: 1,
      max: 1000,
    }),
    maxFailuresPerIp: bf.integer('maxFailuresPerIp', defaultBruteForce.maxFailuresPerIp, { min: 1, max: 1_000_000 }),
    windowMs: duration(bf, 'windowMs', defaultBruteForce.windowMs),
    lockoutMs: duration(bf, 'lockoutMs', defaultBruteForce.lockoutMs),
    maxLockoutMs: duration(bf, 'maxLockoutMs', defaultBruteForce.maxLockoutMs),
    maxRequestsPerIp: bf.integer('maxRequestsPerIp', defaultBruteForce.maxRequestsPerIp, { min: 1, max: 1_000_000 }),
    maxEmailsPerAccount: bf.integer('maxEmailsPerAccount', defaultBruteForce.maxEmailsPerAccount, {
      min: 1,
      max: 1000,
    }),
  };
  bf.done();

  const roles = (o.raw('roles') ?? {}) as RoleMap;
  if (typeof roles !== 'object' || roles === null || Array.isArray(roles))
    fail('roles', 'expected an object of role → permission patterns');
  const defaultRoles = (o.raw('defaultRoles') ?? []) as readonly string[];
  if (!Array.isArray(defaultRoles) || defaultRoles.some((r) => typeof r !== 'string'))
    fail('defaultRoles', 'expected an array of role names');

  const mail = (o.raw('mail') ?? {}) as TokenMailOptions;
  if (typeof mail !== 'object' || mail === null) fail('mail', 'expected an object');
  if (email && typeof mail.from !== 'string')
    fail('mail.from', 'is required when an email adapter sends reset and verification emails');
  if (mail.delivery !== undefined && mail.delivery !== 'background' && mail.delivery !== 'await')
    fail('mail.delivery', "expected 'background' or 'await'");
  const deliverToken = o.raw('deliverToken') as LocalAuthOptions['deliverToken'];
  if (deliverToken !== undefined && typeof deliverToken !== 'function') fail('deliverToken', 'expected a function');

  const oidc = o.nested('oidc');
  const providerList = (oidc.raw('providers') ?? []) as readonly OidcProviderOptions[];
  const stateTtlMs = duration(oidc, 'stateTtlMs', 10 * MINUTE);
  oidc.done();
  const providers = readProviders(providerList, fail);

  const reg = o.nested('registration');
  const registration = { enumeration: reg.oneOf('enumeration', ['reveal', 'hide'], 'reveal') };
  reg.done();
  if (registration.enumeration === 'hide' && !email && !deliverToken)
    fail('registration.enumeration', "'hide' tells the account's owner by email: it needs email or deliverToken");

  const keyPrefix = o.string('keyPrefix', 'auth:');
  const tablePrefix = o.string('tablePrefix', 'auth_');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,30}$/.test(tablePrefix))
    fail('tablePrefix', 'must be letters, digits and _ (it is pasted into SQL)');
  const clock = (o.raw('clock') ?? systemClock) as Clock;
  if (typeof clock.now !== 'function') fail('clock', 'must have a now() method');
  const onError = (o.raw('onError') ??
    ((error: unknown) => process.emitWarning(`@keel/adapter-auth: ${(error as Error)?.message ?? String(error)}`))) as (
    e: unknown,
  ) => void;

  const result: ResolvedLocalAuthOptions = {
    sql,
    kv,
    email,
    passwords: o.boolean('passwords', true),
    password,
    hasher,
    idleTimeoutMs,
    absoluteTimeoutMs,
    accessTokens,
    bruteForce,
    roles,
    defaultRoles,
    resetTokenTtlMs: o.integer('resetTokenTtlMs', 60 * MINUTE, { min: MINUTE, max: 7 * DAY }),
    verificationTokenTtlMs: o.integer('verificationTokenTtlMs', DAY, { min: MINUTE, max: 30 * DAY }),
    verifyEmailOnRegister: o.boolean('verifyEmailOnRegister', true),
    registration,
    mail,
    deliverToken,
    providers,
    stateTtlMs,
    keyPrefix,
    tablePrefix,
    migrate: o.boolean('migrate', true),
    clock,
    onError,
  };
  o.done();
  return result;
}

/** An instance given as an object, by name from the container, or the container's default. */
function instance<T>(
  iface: 'sql' | 'kv' | 'email',
  value: unknown,
  context: AdapterContext | undefined,
  methods: readonly string[],
  fail: (field: string, problem: string) => never,
  optional = false,
): T | undefined {
  if (typeof value === 'object' && value !== null) {
    const missing = methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function');
    if (missing.length > 0) fail(iface, `expected a ${iface} instance (missing ${missing.join(', ')})`);
    return value as T;
  }
  if (value !== undefined && typeof value !== 'string') fail(iface, `expected a ${iface} instance or an instance name`);
  if (!context) return optional ? undefined : fail(iface, `is required (a ${iface} instance) outside createKeel`);
  try {
    return context.resolve(value === undefined ? tokens[iface] : instanceToken(iface, value)) as T;
  } catch (error) {
    if (optional && value === undefined) return undefined;
    return fail(
      iface,
      `no ${iface} instance ${value === undefined ? 'is configured' : `named '${value}'`} (${(error as Error).message})`,
    );
  }
}

function readAccessTokens(
  value: unknown,
  factory: string,
  fail: (field: string, problem: string) => never,
): ResolvedLocalAuthOptions['accessTokens'] {
  if (value === undefined || value === false) return undefined;
  const o = readOptions(factory, value === true ? {} : value, 'accessTokens.');
  const keys = o.raw('keys') as readonly AccessTokenKey[] | undefined;
  if (
    keys !== undefined &&
    (!Array.isArray(keys) || keys.some((k) => typeof k?.kid !== 'string' || typeof k.jwk !== 'object'))
  ) {
    fail('accessTokens.keys', 'expected an array of { kid, jwk } (see generateAccessTokenKey)');
  }
  const resolved = {
    algorithm: o.oneOf('algorithm', ['EdDSA', 'ES256'], 'EdDSA'),
    keys,
    ttlMs: o.integer('ttlMs', 5 * MINUTE, { min: 10_000, max: 60 * MINUTE }),
    issuer: o.string('issuer', 'keel'),
    audience: o.string('audience', 'keel'),
    checkRevocation: o.boolean('checkRevocation', false),
  };
  o.done();
  return resolved;
}

function readProviders(
  list: readonly OidcProviderOptions[],
  fail: (field: string, problem: string) => never,
): Map<string, ResolvedOidcProvider> {
  if (!Array.isArray(list))
    fail('oidc.providers', 'expected an array of providers (okta(), auth0() or { name, issuer, … })');
  const providers = new Map<string, ResolvedOidcProvider>();
  for (const [i, p] of list.entries()) {
    const at = `oidc.providers[${i}]`;
    if (typeof p !== 'object' || p === null) fail(at, 'expected an object');
    for (const field of ['name', 'issuer', 'clientId', 'redirectUri'] as const) {
      if (typeof p[field] !== 'string' || p[field] === '') fail(`${at}.${field}`, 'is required (a string)');
    }
    if (providers.has(p.name)) fail(`${at}.name`, `'${p.name}' is used twice`);
    if (p.linkVerifiedEmail !== undefined && typeof p.linkVerifiedEmail !== 'boolean')
      fail(`${at}.linkVerifiedEmail`, 'expected a boolean');
    if (p.scopes !== undefined && (!Array.isArray(p.scopes) || !p.scopes.includes('openid')))
      fail(`${at}.scopes`, "must include 'openid'");
    const algorithms: readonly string[] = p.algorithms ?? defaultIdTokenAlgorithms;
    const unsafe = algorithms.filter((a) => a === 'none' || /^HS/i.test(a));
    if (unsafe.length > 0)
      fail(`${at}.algorithms`, `${unsafe.join(', ')} cannot verify an ID token from a public-key provider`);
    if (p.allowInsecureRequests && process.env.NODE_ENV === 'production')
      fail(`${at}.allowInsecureRequests`, 'is for local tests only and refused when NODE_ENV is production');
    for (const field of ['issuer', 'redirectUri'] as const) {
      const url = URL.canParse(p[field]) ? new URL(p[field]) : undefined;
      if (
        !url ||
        (url.protocol !== 'https:' && !(p.allowInsecureRequests || (field === 'redirectUri' && isLocal(url))))
      ) {
        fail(`${at}.${field}`, `must be an https:// URL, got ${JSON.stringify(p[field])}`);
      }
    }
    providers.set(p.name, {
      ...p,
      clientSecret: p.clientSecret,
      postLogoutRedirectUri: p.postLogoutRedirectUri,
      logoutUrl: p.logoutUrl,
      defaultRoles: p.defaultRoles,
      scopes: p.scopes ?? ['openid', 'email', 'profile'],
      authorizationParams: p.authorizationParams ?? {},
      algorithms: [...algorithms],
      createUsers: p.createUsers ?? true,
      linkVerifiedEmail: p.linkVerifiedEmail ?? false,
      clockToleranceSec: p.clockToleranceSec ?? 30,
      jwksCooldownMs: p.jwksCooldownMs ?? 30_000,
      allowInsecureRequests: p.allowInsecureRequests ?? false,
    });
  }
  return providers;
}

function isLocal(url: URL): boolean {
  return (
    url.protocol === 'http:' &&
    (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]')
  );
}
