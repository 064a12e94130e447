import type { Sql } from '@keel/core';
import {
  boolean,
  fn,
  integer,
  option,
  string,
  text,
  withMethods,
  type MaybePromise,
  authRoles,
  authRoleName,
  readonlyArray,
} from '@keel/core/adapter';
import * as v from 'valibot';
import type { BetterAuthTokenMessage } from './better-auth-delivery.js';

// Durations are in milliseconds; better-auth counts seconds, so they are whole seconds.
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const MAX_MS = 366 * DAY;

const seconds = (min: number, max: number) =>
  v.pipe(integer(min, max), v.multipleOf(SECOND, 'expected whole seconds (better-auth counts seconds)'));
const urlTemplate = v.pipe(
  text(),
  v.includes('{token}', 'expected a URL with {token} in it (https://app.example/reset?token={token})'),
);

/**
 * The options of `createBetterAuth` (`auth: { adapter: 'better-auth' }`), declared once: the
 * type, the checks and the README table come from here.
 *
 * @example
 * const { sessions, roles } = parseOptions(betterAuthOptions, { sql }, 'createBetterAuth');
 */
export const betterAuthOptions = v.pipe(
  v.strictObject({
    sql: option(
      v.union(
        [text(), withMethods<Sql>('a sql instance', ['query', 'execute'])],
        'expected a sql instance or the name of a configured one',
      ),
      {
        defaultText: "the app's default sql instance",
        description: "better-auth's tables (users, sessions, accounts, verifications): an `Sql`, or an instance name.",
      },
    ),
    secret: option(v.pipe(string(), v.minLength(32, 'expected at least 32 characters')), {
      defaultText: 'random per start',
      description:
        "better-auth's secret: signs email-verification tokens. Set it (32+ characters, from your secret store) so " +
        'that verification links outlive a restart, and the same in every process that shares the database.',
    }),
    baseURL: option(v.pipe(text(), v.url('expected an absolute URL')), {
      default: 'http://localhost',
      description: "better-auth's base URL (it builds its own links from it; the token links use the templates below).",
    }),
    tablePrefix: option(
      v.pipe(
        string(),
        v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/, 'expected up to 31 letters, digits and _ (it is pasted into SQL)'),
      ),
      { default: 'ba_', description: 'Prefix of the tables: `<prefix>user`, `session`, `account`, `verification`.' },
    ),
    migrate: option(boolean(), {
      default: true,
      description: "Create the tables at open (core's migrator, scope `keel-better-auth:<tablePrefix>`).",
    }),
    password: option(
      v.strictObject({
        minLength: option(integer(1, 256), {
          default: 8,
          description: 'Shorter passwords are `WEAK_PASSWORD` (`too-short`).',
        }),
        maxLength: option(integer(8, 1024), {
          default: 128,
          description: 'Longer passwords are `WEAK_PASSWORD` (`too-long`).',
        }),
      }),
      { default: {}, description: 'What a new password must be (better-auth checks length only).' },
    ),
    sessions: option(
      v.strictObject({
        idleTimeoutMs: option(seconds(SECOND, MAX_MS), {
          default: 7 * DAY,
          description: "A session unused this long ends (better-auth's `session.expiresIn`).",
        }),
        touchAfterMs: option(seconds(0, MAX_MS), {
          default: DAY,
          description:
            "A use this long after the last touch moves the idle expiry later (better-auth's `session.updateAge`; 0: every use, one write each).",
        }),
        absoluteTimeoutMs: option(seconds(SECOND, MAX_MS), {
          default: 30 * DAY,
          description: 'A session ends this long after sign-in however active it is (enforced by this adapter).',
        }),
      }),
      { default: {}, description: 'How long sessions last.' },
    ),
    roles: option(authRoles, {
      default: {},
      description: 'Role → permission patterns (`posts:*`, `comments:read`, `*`).',
    }),
    defaultRoles: option(readonlyArray(authRoleName, 'expected an array of role names'), {
      default: [],
      description: 'Roles of new accounts (each must be in `roles`).',
    }),
    deliverToken: option(fn<(message: BetterAuthTokenMessage) => MaybePromise<void>>(), {
      description:
        'Receives every reset and verification token (`{ kind, userId, email, token, url, expiresAt }`). Without it, ' +
        'resets and verification are `UNSUPPORTED` (`tokenDelivery: false`).',
    }),
    resetUrl: option(urlTemplate, { description: 'The reset link handed to `deliverToken`, `{token}` replaced.' }),
    verifyUrl: option(urlTemplate, {
      description: 'The verification link handed to `deliverToken`, `{token}` replaced.',
    }),
    resetTokenTtlMs: option(seconds(MINUTE, 7 * DAY), {
      default: 60 * MINUTE,
      description: 'How long a password-reset token lasts.',
    }),
    verificationTokenTtlMs: option(seconds(MINUTE, 30 * DAY), {
      default: DAY,
      description: 'How long an email-verification token lasts.',
    }),
    verifyEmailOnRegister: option(boolean(), {
      default: true,
      description: 'Send a verification token on `register` (with `deliverToken`).',
    }),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { roles } = dataset.value;
    const defaultRoles = dataset.value.defaultRoles ?? [];
    const known = Object.keys(roles).join(', ') || 'none';
    defaultRoles.forEach((role, i) => {
      if (!Object.hasOwn(roles, role))
        addIssue({
          message: `is not in roles (${known})`,
          input: role,
          path: [
            { type: 'object', origin: 'value', input: dataset.value, key: 'defaultRoles', value: defaultRoles },
            { type: 'array', origin: 'value', input: defaultRoles, key: i, value: role },
          ],
        });
    });
  }),
);

/** What `createBetterAuth` takes. */
export type BetterAuthOptions = v.InferInput<typeof betterAuthOptions>;
/** The options after checking, with their defaults. */
export type CheckedBetterAuthOptions = v.InferOutput<typeof betterAuthOptions>;
