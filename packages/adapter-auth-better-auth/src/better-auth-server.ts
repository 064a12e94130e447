import { randomBytes } from 'node:crypto';
import type { Sql } from '@keel/core';
import { keelDialect } from '@keel/kysely';
import { kyselyAdapter } from '@better-auth/kysely-adapter';
import { betterAuth } from 'better-auth';
import { bearer } from 'better-auth/plugins';
import { Kysely } from 'kysely';
import type { TokenDelivery } from './better-auth-delivery.js';
import type { CheckedBetterAuthOptions } from './better-auth-options.js';

/**
 * The better-auth instance behind the adapter: email and password on, its storage on Keel's
 * `sql` through `@keel/kysely`, sessions presented as bearer tokens (its `bearer` plugin), roles
 * in a `role` field (comma-separated, as better-auth's `admin` plugin keeps them), one-time
 * tokens handed to `delivery`. Its own rate limiter, telemetry and logger are off: Keel has its
 * own limits and observability, and every failure reaches the caller as an `AuthError`.
 *
 * @example
 * const auth = betterAuthServer(sql, options, delivery);
 * const { token } = await auth.api.signInEmail({ body: { email, password } });
 */
export function betterAuthServer(sql: Sql, o: CheckedBetterAuthOptions, delivery: TokenDelivery) {
  const p = o.tablePrefix;
  const db = new Kysely<unknown>({ dialect: keelDialect(sql) });
  const link = (template: string | undefined, token: string) =>
    template?.replaceAll('{token}', encodeURIComponent(token));
  /** Keeps `jwt` under a fresh random token (only its hash is stored) until `expiresAt`, and returns the token. */
  async function standIn(jwt: string, expiresAt: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await (await server.$context).internalAdapter.createVerificationValue({
      identifier: `${verificationPrefix}${token}`,
      value: jwt,
      expiresAt: new Date(expiresAt),
    });
    return token;
  }
  const server = betterAuth({
    appName: 'keel',
    baseURL: o.baseURL,
    secret: o.secret ?? randomBytes(32).toString('base64url'),
    // Keel's sql contract reads booleans as 1/0 and times as ISO text on every dialect: better-auth's
    // SQLite conversions. The tables are this adapter's migrations, so its own schema check is off.
    database: kyselyAdapter(db, { type: 'sqlite', transaction: true }),
    user: {
      modelName: `${p}user`,
      additionalFields: {
        role: { type: 'string', required: false, input: false, defaultValue: (o.defaultRoles ?? []).join(',') },
      },
    },
    session: {
      modelName: `${p}session`,
      expiresIn: o.sessions.idleTimeoutMs / 1000,
      updateAge: o.sessions.touchAfterMs / 1000,
      cookieCache: { enabled: false },
    },
    account: { modelName: `${p}account` },
    // Reset and verification tokens are kept as hashes (SHA-256) in the verification table.
    verification: { modelName: `${p}verification`, storeIdentifier: 'hashed' },
    emailAndPassword: {
      enabled: true,
      autoSignIn: false,
      requireEmailVerification: false,
      minPasswordLength: o.password.minLength,
      maxPasswordLength: o.password.maxLength,
      revokeSessionsOnPasswordReset: true,
      resetPasswordTokenExpiresIn: o.resetTokenTtlMs / 1000,
      ...(delivery.configured
        ? {
            sendResetPassword: ({ user, token }) =>
              delivery.send({
                kind: 'password-reset',
                userId: user.id,
                email: user.email,
                token,
                url: link(o.resetUrl, token),
                expiresAt: Date.now() + o.resetTokenTtlMs,
              }),
          }
        : {}),
    },
    ...(delivery.configured
      ? {
          emailVerification: {
            sendOnSignUp: o.verifyEmailOnRegister,
            expiresIn: o.verificationTokenTtlMs / 1000,
            // better-auth's token is a signed JWT of some 250 characters, valid until it expires
            // however often it is used. The user gets a short single-use token standing for it.
            sendVerificationEmail: async ({ user, token }) => {
              const expiresAt = Date.now() + o.verificationTokenTtlMs;
              const short = await standIn(token, expiresAt);
              await delivery.send({
                kind: 'email-verification',
                userId: user.id,
                email: user.email,
                token: short,
                url: link(o.verifyUrl, short),
                expiresAt,
              });
            },
          },
        }
      : {}),
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { disabled: true },
    advanced: { database: { validateSchema: false } },
    plugins: [bearer()],
  });
  return server;
}

/** The identifier prefix of the short verification tokens in better-auth's verification table. */
export const verificationPrefix = 'keel-email-verification:';

export type BetterAuthServer = ReturnType<typeof betterAuthServer>;
