import type { Auth, Sql } from '@keel/core';
import {
  defineAdapter,
  defineAuth,
  KeelOptionsError,
  parseOptions,
  type AdapterContext,
  type AdapterDefinition,
  type AdapterNeed,
} from '@keel/core/adapter';
import { tokenDelivery } from './better-auth-delivery.js';
import { betterAuthDriver } from './better-auth-driver.js';
import { call } from './better-auth-errors.js';
import { migrateBetterAuthSchema } from './better-auth-migrations.js';
import { betterAuthOptions, type BetterAuthOptions, type CheckedBetterAuthOptions } from './better-auth-options.js';
import { betterAuthServer, type BetterAuthServer } from './better-auth-server.js';

/** An auth instance on better-auth: the contract, plus the better-auth instance behind it. */
export interface BetterAuth extends Auth {
  /**
   * The better-auth instance itself, for what the contract does not cover (its `handler` for
   * its client SDK, its `api`). Its tables are this adapter's: add no plugin that needs others.
   */
  readonly betterAuth: BetterAuthServer;
}

/**
 * Keel's auth contract served by better-auth: email and password accounts, sessions, password
 * changes and resets, email verification and roles, stored on the app's sql through
 * `@keel/kysely` (the adapter creates better-auth's tables). It needs no kv. Built by
 * `createKeel` (`auth: { adapter: 'better-auth' }`), it takes the app's default sql instance.
 *
 * @example
 * const auth = createBetterAuth({ sql, secret: process.env.AUTH_SECRET, roles: { member: ['tasks:*'] }, defaultRoles: ['member'] });
 * const session = (await auth.login({ email, password }, { ip }))._unsafeUnwrap();
 */
export function createBetterAuth(options: BetterAuthOptions): BetterAuth {
  return build(parseOptions(betterAuthOptions, options, 'createBetterAuth'), undefined);
}

/**
 * Registers the adapter as `better-auth`, so that config can choose it. It is built on the app's
 * sql instance (or the one `sql` names), which starts before it.
 *
 * @example
 * const keel = await createKeel(config, { adapters: [sqliteAdapter, betterAuthAdapter] });
 */
export const betterAuthAdapter: AdapterDefinition<'auth', typeof betterAuthOptions> = defineAdapter({
  interface: 'auth',
  id: 'better-auth',
  package: '@keel/adapter-auth-better-auth',
  options: betterAuthOptions,
  needs: (o): AdapterNeed[] =>
    o.sql === undefined || typeof o.sql === 'string'
      ? [{ interface: 'sql', ...(o.sql === undefined ? {} : { instance: o.sql }), option: 'sql' }]
      : [],
  create: (options, context) => build(options, context),
});

function build(o: CheckedBetterAuthOptions, context: AdapterContext | undefined): BetterAuth {
  const sql = resolveSql(o.sql, context);
  const delivery = tokenDelivery(o.deliverToken);
  const server = betterAuthServer(sql, o, delivery);
  const auth = defineAuth({
    adapter: 'better-auth',
    capabilities: { passwords: true, tokenDelivery: delivery.configured, accessTokens: false, oidc: false },
    async open() {
      if (o.migrate) await migrateBetterAuthSchema(sql, o.tablePrefix);
      await call('open', () => server.$context);
    },
    close: () => delivery.drain(),
    async health() {
      const probe = await sql.query(`SELECT 1 FROM "${o.tablePrefix}user" LIMIT 1`);
      if (probe.isErr()) throw probe.error;
      return { betterAuth: 'ok' };
    },
    ...betterAuthDriver(server, o),
  });
  return Object.freeze({ ...auth, betterAuth: server });
}

function resolveSql(value: CheckedBetterAuthOptions['sql'], context: AdapterContext | undefined): Sql {
  if (value !== undefined && typeof value !== 'string') return value;
  if (context) return context.get('sql', value) as Sql;
  throw new KeelOptionsError('createBetterAuth', [
    {
      path: 'sql',
      problem:
        value === undefined
          ? 'is required (a sql instance; only createKeel fills it in from config)'
          : `names the instance '${value}', which only works inside createKeel: pass the sql instance itself`,
    },
  ]);
}
