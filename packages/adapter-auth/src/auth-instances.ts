import type { Email, Kv, Sql } from '@keel/core';
import { KeelOptionsError, type AdapterContext, type AdapterNeed, type OptionIssue } from '@keel/core/adapter';
import { hideNeedsDelivery } from './local-auth-options.js';

/** The options that name the instances auth is built on. */
interface InstanceChoice {
  readonly sql?: Sql | string;
  readonly kv?: Kv | string;
  readonly email?: Email | string | false;
  readonly mail: { readonly from?: string };
  /** Only password accounts are sent reset and verification emails. */
  readonly passwords: boolean;
  readonly registration: { readonly enumeration: 'reveal' | 'hide' };
  readonly deliverToken?: unknown;
}

/**
 * What auth is built on, for `createKeel` to start first: sql and kv (the default instances, or
 * the ones named), and email when one is named, or the default one if the app has one.
 *
 * @example
 * authNeeds({ kv: 'sessions' }); // sql (default), kv 'sessions', email (default, optional)
 */
export function authNeeds(o: Pick<InstanceChoice, 'sql' | 'kv' | 'email'>): AdapterNeed[] {
  const needs: AdapterNeed[] = [];
  // An instance given as itself (an object, or an accessor such as `keel.sql`) is no need.
  if (isName(o.sql)) needs.push({ interface: 'sql', instance: o.sql, option: 'sql' });
  if (isName(o.kv)) needs.push({ interface: 'kv', instance: o.kv, option: 'kv' });
  if (typeof o.email === 'string') needs.push({ interface: 'email', instance: o.email, option: 'email' });
  else if (o.email === undefined) needs.push({ interface: 'email', option: 'email', optional: true });
  return needs;
}

/**
 * The sql, kv and email instances: the objects given, or (inside `createKeel`) the ones the
 * options name or the defaults. Also checks what only the instances can tell: that kv has
 * `ttl`, that the emails sent to password accounts have a sender, and that
 * `registration.enumeration: 'hide'` has a way to reach an account's owner. Throws one
 * `KeelOptionsError` listing every problem.
 *
 * @example
 * const { sql, kv, email } = resolveInstances(checked, 'createLocalAuth', undefined);
 */
export function resolveInstances(
  o: InstanceChoice,
  where: string,
  context: AdapterContext | undefined,
): { sql: Sql; kv: Kv; email: Email | undefined } {
  const issues: OptionIssue[] = [];
  const pick = (iface: 'sql' | 'kv' | 'email', value: unknown): unknown => {
    if (!isName(value)) return value;
    // Inside createKeel every instance asked for here was declared in `needs` (a missing one is reported there).
    if (context) return context.get(iface, value as string | undefined);
    if (typeof value === 'string') {
      issues.push({
        path: iface,
        problem: `names the instance '${value}', which only works inside createKeel: pass the ${iface} instance itself`,
      });
    } else if (iface !== 'email') {
      issues.push({
        path: iface,
        problem: `is required (a ${iface} instance; only createKeel fills it in from config)`,
      });
    }
    return undefined;
  };
  const sql = pick('sql', o.sql) as Sql | undefined;
  const kv = pick('kv', o.kv) as Kv | undefined;
  const email = o.email === false ? undefined : (pick('email', o.email) as Email | undefined);
  if (kv && !kv.capabilities.ttl) {
    issues.push({ path: 'kv', problem: `kv adapter '${kv.adapter}' has no ttl capability, which sessions need` });
  }
  if (email && o.passwords && o.mail.from === undefined)
    issues.push({ path: 'mail.from', problem: missingSender(o.email, email) });
  // `email: false` is refused by the schema already; here no instance was found (none given, none in the app).
  if (o.passwords && o.registration.enumeration === 'hide' && !email && o.deliverToken === undefined)
    issues.push({ path: 'registration.enumeration', problem: hideNeedsDelivery });
  if (issues.length > 0) throw new KeelOptionsError(where, issues);
  return { sql: sql as Sql, kv: kv as Kv, email };
}

/** An instance name, or nothing (the default instance): what only the container resolves. */
function isName(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

function missingSender(option: InstanceChoice['email'], email: Email): string {
  const through =
    option === undefined
      ? `the app's default email instance (adapter '${email.adapter}')`
      : typeof option === 'string'
        ? `the email instance '${option}'`
        : 'the email instance given';
  return (
    `is required: reset and verification emails go out through ${through} and need a sender, such as ` +
    `'Acme <no-reply@acme.test>'. Set mail.from, or email: false to send none`
  );
}
