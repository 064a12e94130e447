import type * as v from 'valibot';
import { closest } from '../options/closest.js';
import { entriesAt, unwrap } from '../options/schema-walk.js';
import type { Env } from './env-overrides.js';

/**
 * Environment overrides of a config section that is one schema (such as `observability`):
 * `KEEL_OBSERVABILITY_SQL_STATEMENT_TEXT=true` sets `sqlStatementText`, and a nested field is
 * named after its parent's (`KEEL_OBSERVABILITY_SLOW_MS_SQL=200` sets `slowMs.sql`). Values that
 * are JSON are parsed, as for adapter options. A variable that names no field is an issue.
 *
 * @example
 * sectionEnvOverrides('observability', observabilityOptions, config.observability, process.env);
 */
export function sectionEnvOverrides(
  section: string,
  schema: v.GenericSchema,
  value: unknown,
  env: Env,
): { value: unknown; issues: string[]; sources: Map<string, string> } {
  const prefix = `KEEL_${section.toUpperCase()}_`;
  const issues: string[] = [];
  const sources = new Map<string, string>();
  let result = isRecord(value) ? structuredClone(value) : value;
  for (const variable of Object.keys(env).sort()) {
    const text = env[variable];
    if (text === undefined || !variable.startsWith(prefix)) continue;
    const path = fieldPath(schema, variable.slice(prefix.length).split('_'));
    if (typeof path === 'string') {
      issues.push(`${variable}: ${path}`);
      continue;
    }
    if (!isRecord(result)) result = {};
    let target = result as Record<string, unknown>;
    for (const key of path.slice(0, -1)) {
      if (!isRecord(target[key])) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path.at(-1) as string] = parseValue(text);
    sources.set(`${section}.${path.join('.')}`, variable);
  }
  return { value: result, issues, sources };
}

/** The field path the name's parts address, or why there is none. */
function fieldPath(schema: v.GenericSchema, parts: readonly string[], at: string[] = []): string[] | string {
  const entries = entriesAt(schema, at) ?? {};
  const known = Object.keys(entries);
  // The longest run of parts naming a field: `SLOW_MS_SQL` is `slowMs`, then `sql` inside it.
  for (let n = parts.length; n > 0; n--) {
    const key = camelCase(parts.slice(0, n));
    const field = entries[key];
    if (field === undefined) continue;
    if (n === parts.length) return [...at, key];
    if ((unwrap(field) as { entries?: unknown }).entries !== undefined) {
      const nested = fieldPath(schema, parts.slice(n), [...at, key]);
      if (typeof nested !== 'string') return nested;
    }
  }
  const wanted = camelCase(parts);
  const hint = closest(wanted, known);
  const where = at.length === 0 ? 'the section' : at.join('.');
  return `'${wanted}' is not a field of ${where}${hint ? `; did you mean '${hint}'?` : ''} (known: ${known.join(', ')})`;
}

function camelCase(parts: readonly string[]): string {
  return parts.map((p, i) => (i === 0 ? p.toLowerCase() : p.charAt(0) + p.slice(1).toLowerCase())).join('');
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
