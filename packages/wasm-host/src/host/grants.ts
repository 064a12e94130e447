import { KeelOptionsError, readOptions } from '@keel/core';
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
    prefix: o.string('prefix', ''),
    readOnly: o.boolean('readOnly', false),
    instance: o.optionalString('instance'),
  };
  o.done();
  return grant;
}

function resolveSql(raw: unknown): ResolvedGrants['sql'] {
  if (raw === undefined || raw === false) return undefined;
  if (raw === true || raw === 'read-only') return { access: 'read-only', instance: undefined };
  if (raw === 'read-write') return { access: 'read-write', instance: undefined };
  if (typeof raw === 'string')
    throw new KeelOptionsError(
      'grants.sql',
      `expected true, 'read-only', 'read-write' or an object, got '${raw}'`,
      where,
    );
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
    throw new KeelOptionsError('grants.sql.statements', 'expected an object of names to SQL statements', where);
  }
  for (const [name, text] of Object.entries(raw as Record<string, unknown>)) {
    const field = `grants.sql.statements.${name}`;
    if (name === '') throw new KeelOptionsError(field, 'a statement needs a name', where);
    if (typeof text !== 'string' || text.trim() === '') throw new KeelOptionsError(field, 'expected SQL', where);
    const problem = statementProblem(text, access);
    if (problem) throw new KeelOptionsError(field, problem, where);
  }
  return Object.freeze({ ...(raw as Record<string, string>) });
}

function resolveEmail(raw: unknown): ResolvedGrants['email'] {
  if (raw === undefined || raw === false) return undefined;
  if (raw === true) return { from: undefined, instance: undefined };
  const o = readOptions(where, raw, 'grants.email.');
  const from = o.raw('from');
  if (from !== undefined && (!Array.isArray(from) || from.some((a) => typeof a !== 'string'))) {
    throw new KeelOptionsError('grants.email.from', 'expected an array of sender addresses', where);
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
    throw new KeelOptionsError('grants.http', 'expected an array of host names', where);
  }
  try {
    httpAllowList(raw as string[]);
  } catch (error) {
    throw new KeelOptionsError('grants.http', (error as Error).message.replace(/^grants\.http: /, ''), where);
  }
  return Object.freeze([...(raw as string[])]);
}

function resolveEnv(raw: unknown): readonly (readonly [string, string])[] {
  if (raw === undefined) return [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new KeelOptionsError('grants.env', 'expected an object of strings', where);
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new KeelOptionsError(`grants.env.${key}`, 'expected a string', where);
  }
  return entries as [string, string][];
}
