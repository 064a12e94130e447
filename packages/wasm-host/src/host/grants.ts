import { KeelOptionsError, readOptions } from '@keel/core/adapter';
import type { EmailGrant } from '../imports/email-binding.js';
import type { KvGrant } from '../imports/kv-binding.js';
import type { SqlGrant } from '../imports/sql-binding.js';
import { statementProblem } from '../imports/sql-statement-guard.js';
import { httpAllowList } from '../sandbox/wasi-http.js';
import type { WasmGrants } from '../wasm-host-options.js';

/** Grants with every default filled in and every field checked. */
export interface ResolvedGrants {
  readonly kv: (KvGrant & { readonly instance: string | undefined }) | undefined;
  readonly sql: (SqlGrant & { readonly instance: string | undefined }) | undefined;
  readonly log: boolean;
  readonly http: readonly string[];
  readonly env: readonly (readonly [string, string])[];
  readonly email: (EmailGrant & { readonly instance: string | undefined }) | undefined;
  readonly auth: boolean;
}

const where = 'host.load';

/** Reads `grants`; a mistake throws a `TypeError` (`KeelOptionsError`) naming the field. */
export function resolveGrants(grants: WasmGrants | undefined): ResolvedGrants {
  const o = readOptions(where, grants, 'grants.');
  const kvRaw = o.raw('kv');
  const sqlRaw = o.raw('sql');
  const resolved: ResolvedGrants = {
    kv: resolveKv(kvRaw),
    sql: resolveSql(sqlRaw),
    log: o.boolean('log', true),
    http: resolveHttp(o.raw('http')),
    env: resolveEnv(o.raw('env')),
    email: resolveEmail(o.raw('email')),
    auth: o.boolean('auth', false),
  };
  o.done();
  return resolved;
}

function resolveKv(raw: unknown): ResolvedGrants['kv'] {
  if (raw === undefined || raw === false) return undefined;
  if (raw === true) return { prefix: '', readOnly: false, instance: undefined };
  const o = readOptions(where, raw, 'grants.kv.');
  const grant = {
    prefix: kvPrefix(o.string('prefix', '')),
    readOnly: o.boolean('readOnly', false),
    instance: o.optionalString('instance'),
  };
  o.done();
  return grant;
}

/**
 * A prefix must end at a boundary: `'tenant1'` would also cover `tenant10:…`, which the guest
 * reaches by asking for `0:…`. Refused rather than completed, so that the keys the app sees
 * are the ones its config names.
 */
function kvPrefix(prefix: string): string {
  if (prefix === '' || prefix.endsWith(':') || prefix.endsWith('/')) return prefix;
  throw new KeelOptionsError(where, [
    {
      path: 'grants.kv.prefix',
      problem:
        `must end with ':' or '/' (a separator), or be '' for the whole store: '${prefix}' would also cover ` +
        `every key that merely starts with it, such as '${prefix}0:…'; use '${prefix}:'`,
    },
  ]);
}

function resolveSql(raw: unknown): ResolvedGrants['sql'] {
  if (raw === undefined || raw === false) return undefined;
  if (raw === true || raw === 'read-only') return { access: 'read-only', instance: undefined };
  if (raw === 'read-write') return { access: 'read-write', instance: undefined };
  if (typeof raw === 'string')
    throw new KeelOptionsError(where, [
      { path: 'grants.sql', problem: `expected true, 'read-only', 'read-write' or an object, got '${raw}'` },
    ]);
  const o = readOptions(where, raw, 'grants.sql.');
  const access = o.oneOf('access', ['read-only', 'read-write'] as const, 'read-only');
  const statements = resolveStatements(o.raw('statements'), access);
  const grant = { access, instance: o.optionalString('instance'), ...(statements ? { statements } : {}) };
  o.done();
  return grant;
}

/** Named statements: each checked as a guest's statement would be (a write under read-only is a mistake). */
function resolveStatements(raw: unknown, access: SqlGrant['access']): SqlGrant['statements'] {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0) {
    throw new KeelOptionsError(where, [
      { path: 'grants.sql.statements', problem: 'expected an object of names to SQL statements' },
    ]);
  }
  for (const [name, text] of Object.entries(raw as Record<string, unknown>)) {
    const path = `grants.sql.statements.${name}`;
    if (name === '') throw new KeelOptionsError(where, [{ path, problem: 'a statement needs a name' }]);
    if (typeof text !== 'string' || text.trim() === '')
      throw new KeelOptionsError(where, [{ path, problem: 'expected SQL' }]);
    const problem = statementProblem(text, access);
    if (problem) throw new KeelOptionsError(where, [{ path, problem }]);
  }
  return Object.freeze({ ...(raw as Record<string, string>) });
}

function resolveEmail(raw: unknown): ResolvedGrants['email'] {
  if (raw === undefined || raw === false) return undefined;
  if (raw === true) return { from: undefined, instance: undefined };
  const o = readOptions(where, raw, 'grants.email.');
  const from = o.raw('from');
  if (from !== undefined && (!Array.isArray(from) || from.some((a) => typeof a !== 'string'))) {
    throw new KeelOptionsError(where, [
      { path: 'grants.email.from', problem: 'expected an array of sender addresses' },
    ]);
  }
  const grant = {
    from: from === undefined ? undefined : Object.freeze([...(from as string[])]),
    instance: o.optionalString('instance'),
  };
  o.done();
  return grant;
}

function resolveHttp(raw: unknown): readonly string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.some((h) => typeof h !== 'string')) {
    throw new KeelOptionsError(where, [{ path: 'grants.http', problem: 'expected an array of host names' }]);
  }
  try {
    httpAllowList(raw as string[]);
  } catch (error) {
    throw new KeelOptionsError(where, [
      { path: 'grants.http', problem: (error as Error).message.replace(/^grants\.http: /, '') },
    ]);
  }
  return Object.freeze([...(raw as string[])]);
}

function resolveEnv(raw: unknown): readonly (readonly [string, string])[] {
  if (raw === undefined) return [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new KeelOptionsError(where, [{ path: 'grants.env', problem: 'expected an object of strings' }]);
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  for (const [key, value] of entries) {
    if (typeof value !== 'string')
      throw new KeelOptionsError(where, [{ path: `grants.env.${key}`, problem: 'expected a string' }]);
  }
  return entries as [string, string][];
}
