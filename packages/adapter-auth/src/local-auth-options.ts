import type { Email, Kv, Sql } from '@keel/core';
import {
  boolean,
  fn,
  integer,
  oneOf,
  option,
  required,
  string,
  text,
  withMethods,
  type MaybePromise,
  clockOption,
  readonlyArray,
  authRoles,
} from '@keel/core/adapter';
import * as v from 'valibot';
import { accessTokensOption } from './access-token-options.js';
import { bruteForceOptions } from './brute-force-options.js';
import { tokenMailOptions } from './mail-options.js';
import { oidcOnlyOptions, oidcOptions } from './oidc-options.js';
import type { PasswordHasher } from './password-hasher.js';
import { argon2Options, passwordPolicyOptions } from './password-options.js';
import type { RoleMap } from './rbac.js';
import { crossChecked, type CrossProblem } from './schema-helpers.js';
import type { AuthTokenMessage } from './token-delivery.js';

// Durations are in milliseconds.
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const MAX_MS = 366 * DAY;

/** An instance object, or the name of a configured instance (resolved by `createKeel`). */
function instance<T>(iface: 'sql' | 'kv', methods: readonly string[], description: string) {
  return option(
    v.union(
      [text(), withMethods<T>(`a ${iface} instance`, methods)],
      `expected a ${iface} instance or the name of a configured one`,
    ),
    { defaultText: `the app's default ${iface} instance`, description },
  );
}

const instanceEntries = {
  sql: instance<Sql>(
    'sql',
    ['query', 'execute'],
    'Users, identities and one-time tokens: an `Sql`, or an instance name.',
  ),
  kv: instance<Kv>(
    'kv',
    ['get', 'increment', 'compareAndSwap'],
    'Sessions, refresh tokens, OIDC state and counters: a `Kv` (with `ttl`), or an instance name.',
  ),
  email: option(
    v.union(
      [v.literal(false), text(), withMethods<Email>('an email instance', ['send'])],
      'expected an email instance, the name of a configured one, or false',
    ),
    {
      defaultText: "the app's default email instance, if it has one",
      description: 'Sends reset and verification emails: an `Email`, an instance name, or `false` for none.',
    },
  ),
};

const passwordEntries = {
  passwords: option(boolean(), {
    default: true,
    description: 'Local accounts with passwords. `false` leaves OIDC only.',
  }),
  password: option(passwordPolicyOptions, { default: {}, description: 'What a new password must be.' }),
  argon2: option(argon2Options, {
    default: {},
    description: 'argon2id parameters (OWASP). Changing them rehashes each password at its next sign-in.',
  }),
  hasher: option(
    withMethods<PasswordHasher>('a hasher ({ hash, verify, needsRehash })', ['hash', 'verify', 'needsRehash']),
    {
      defaultText: 'argon2id with the argon2 parameters',
      description: 'Replaces argon2id altogether (a counting wrapper in tests, say).',
    },
  ),
  resetTokenTtlMs: option(integer(MINUTE, 7 * DAY), {
    default: 60 * MINUTE,
    description: 'How long a password-reset token lasts.',
  }),
  registration: option(
    v.strictObject({
      enumeration: option(oneOf(['reveal', 'hide']), {
        default: 'reveal',
        description:
          "What `register` answers for an email that already has an account. `'reveal'`: `EMAIL_TAKEN`, as the " +
          "contract describes, which tells anyone whether an address has an account (limited per IP). `'hide'`: " +
          'the same answer as for a new address (a user that is not stored: show "check your mail"), and the ' +
          "account's owner is emailed that someone tried to sign up (`account-exists`, with a password-reset " +
          'link); sign-in then needs a confirmed email (else `INVALID_CREDENTIALS`), so that signing in after ' +
          'registering does not tell either. Needs `email` or `deliverToken`.',
      }),
    }),
    { default: {}, description: 'How `register` treats an email that already has an account.' },
  ),
};

const accountEntries = {
  sessions: option(
    v.strictObject({
      idleTimeoutMs: option(integer(1000, MAX_MS), {
        default: 30 * MINUTE,
        description: 'A session unused this long ends.',
      }),
      absoluteTimeoutMs: option(integer(1000, MAX_MS), {
        default: 7 * DAY,
        description: 'A session ends this long after sign-in however active it is.',
      }),
    }),
    { default: {}, description: 'How long sessions last.' },
  ),
  accessTokens: accessTokensOption,
  bruteForce: option(bruteForceOptions, { default: {}, description: 'Limits on failed sign-ins and on requests.' }),
  roles: option(authRoles, {
    default: {},
    description: 'Role → permission patterns (`posts:*`, `comments:read`, `*`).',
  }),
  defaultRoles: option(readonlyArray(text(), 'expected an array of role names'), {
    default: [],
    description: 'Roles of new accounts (each must be in `roles`).',
  }),
  verificationTokenTtlMs: option(integer(MINUTE, 30 * DAY), {
    default: DAY,
    description: 'How long an email-verification token lasts.',
  }),
  verifyEmailOnRegister: option(boolean(), {
    default: true,
    description: 'Send a verification email on `register` (when tokens can be delivered).',
  }),
  mail: option(tokenMailOptions, { default: {}, description: 'How reset and verification emails look and leave.' }),
  deliverToken: option(fn<(message: AuthTokenMessage) => MaybePromise<void>>(), {
    description:
      'Receives every reset and verification token and `account-exists` notice (`{ kind, userId, email, token, ' +
      'url, expiresAt }`), beside or instead of email (SMS, a queue, tests).',
  }),
};

const storageEntries = {
  keyPrefix: option(string(), { default: 'auth:', description: 'Prefix of every kv key.' }),
  tablePrefix: option(
    v.pipe(
      string(),
      v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/, 'expected up to 31 letters, digits and _ (it is pasted into SQL)'),
    ),
    { default: 'auth_', description: 'Prefix of every table.' },
  ),
  migrate: option(boolean(), {
    default: true,
    description: "Create or upgrade the tables at open (core's migrator, scope `keel-auth:<tablePrefix>`).",
  }),
  clock: clockOption(),
  onError: option(fn<(error: unknown) => void>(), {
    // Valibot calls a function default to get the value: this one returns the handler.
    default: () => warnUnawaited,
    defaultText: 'process.emitWarning',
    description: 'Failures nobody awaits (background email delivery).',
  }),
};

function warnUnawaited(error: unknown): void {
  process.emitWarning(`@keel/adapter-auth: ${(error as Error)?.message ?? String(error)}`);
}

type RoleMaps = {
  readonly roles: RoleMap;
  readonly defaultRoles: readonly string[];
  readonly oidc: { readonly providers: ReadonlyMap<string, { readonly defaultRoles?: readonly string[] }> };
};

/** The roles of a list that are not in `roles`. */
function notInRoles(roles: RoleMap, list: readonly string[], path: readonly (string | number)[]): CrossProblem[] {
  const known = Object.keys(roles).join(', ') || 'none';
  return list.flatMap((role, i) =>
    Object.hasOwn(roles, role) ? [] : [{ path: [...path, i], problem: `is not in roles (${known})`, value: role }],
  );
}

/** Every role named in `defaultRoles`, the adapter's and each provider's, must be in `roles`. */
function withDefinedRoles<S extends v.GenericSchema<unknown, RoleMaps>>(schema: S) {
  const adapterRoles = crossChecked(schema, [['roles'], ['defaultRoles']], (o) =>
    notInRoles(o.roles, o.defaultRoles, ['defaultRoles']),
  );
  // Checked apart, so that a mistake in a provider does not hide one in the adapter's defaultRoles.
  return crossChecked(adapterRoles, [['roles'], ['oidc']], (o) =>
    [...o.oidc.providers.values()].flatMap((p, i) =>
      notInRoles(o.roles, p.defaultRoles ?? [], ['oidc', 'providers', i, 'defaultRoles']),
    ),
  );
}

/** Why `registration.enumeration: 'hide'` needs a way to reach an account's owner. */
export const hideNeedsDelivery = "'hide' tells the account's owner by email: it needs email or deliverToken";

type Registration = {
  readonly registration: { readonly enumeration: 'reveal' | 'hide' };
  readonly email?: unknown;
  readonly deliverToken?: unknown;
};

/**
 * `'hide'` with `email: false` and no `deliverToken` could never tell the owner. (Without an
 * `email` option, whether there is an instance is only known once it is found: `resolveInstances`.)
 */
function withOwnerReachable<S extends v.GenericSchema<unknown, Registration>>(schema: S) {
  return crossChecked(schema, [['registration'], ['email'], ['deliverToken']], (o) =>
    o.registration.enumeration === 'hide' && o.email === false && o.deliverToken === undefined
      ? [{ path: ['registration', 'enumeration'], problem: hideNeedsDelivery, value: 'hide' }]
      : [],
  );
}

/**
 * The options of `createLocalAuth` (`auth: { adapter: 'local' }`), declared once: the type, the
 * checks and the README table come from here.
 *
 * @example
 * const { sessions, bruteForce } = parseOptions(localAuthOptions, { sql, kv }, 'createLocalAuth');
 */
export const localAuthOptions = withOwnerReachable(
  withDefinedRoles(
    v.strictObject({
      ...instanceEntries,
      ...passwordEntries,
      ...accountEntries,
      oidc: option(oidcOptions, { default: {}, description: 'Sign-in through OpenID providers.' }),
      ...storageEntries,
    }),
  ),
);

/**
 * The options of `createOidcAuth` (`auth: { adapter: 'oidc' }`): those of `createLocalAuth`
 * without passwords, with at least one provider.
 *
 * @example
 * parseOptions(oidcAuthOptions, { sql, kv, oidc: { providers: [okta({ domain, clientId, redirectUri })] } }, 'app');
 */
export const oidcAuthOptions = withDefinedRoles(
  v.strictObject({
    ...instanceEntries,
    ...accountEntries,
    oidc: required(oidcOnlyOptions, 'Sign-in through OpenID providers: at least one.'),
    ...storageEntries,
  }),
);

/** What the password options are for an adapter without passwords. */
export const noPasswords = v.parse(v.strictObject(passwordEntries), { passwords: false });

/** Options of `createLocalAuth`. Durations are in milliseconds. */
export type LocalAuthOptions = v.InferInput<typeof localAuthOptions>;
/** Options of `createOidcAuth`: those of `createLocalAuth` without passwords, with at least one provider. */
export type OidcAuthOptions = v.InferInput<typeof oidcAuthOptions>;
/** The options once checked, defaults filled in; instances may still be names. */
export type CheckedLocalAuthOptions = v.InferOutput<typeof localAuthOptions>;

/** What the runtime works with: checked options, with the instances found and the hasher made. */
export interface ResolvedLocalAuthOptions
  extends Readonly<Omit<CheckedLocalAuthOptions, 'sql' | 'kv' | 'email' | 'hasher' | 'argon2'>> {
  readonly sql: Sql;
  readonly kv: Kv;
  readonly email: Email | undefined;
  readonly hasher: PasswordHasher;
}
