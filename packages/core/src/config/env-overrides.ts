/** Environment variables that Keel reads: `KEEL_<SECTION>[_<INSTANCE>]_ADAPTER` and `…_OPTIONS_<FIELD>`. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Applies environment overrides to a config and returns a new one; the input is not changed.
 *
 * - `KEEL_KV_ADAPTER=memory` sets `kv.adapter` (the default instance);
 *   `KEEL_SQL_ANALYTICS_ADAPTER=sqlite` sets `sql.analytics.adapter`.
 * - `KEEL_KV_OPTIONS_LOCATION=./data` sets `kv.options.location`; `SNAKE_CASE` fields become
 *   camelCase (`…_OPTIONS_BUSY_TIMEOUT_MS` → `busyTimeoutMs`).
 * - Values that are JSON (`5000`, `true`, `{"a":1}`) are parsed; anything else is a string
 *   (quote it, `"42"`, to force a string).
 * - Changing an instance's adapter drops the options it had in the file, since they belonged to
 *   the other adapter.
 *
 * Variables that start with `KEEL_<SECTION>_` but fit neither form are reported as issues.
 */
export function applyEnvOverrides(
  config: Readonly<Record<string, unknown>>,
  env: Env,
  sections: readonly string[],
): { config: Record<string, unknown>; issues: string[]; sources: Map<string, string> } {
  const result = copyPlain(config) as Record<string, unknown>;
  const issues: string[] = [];
  // Config path → the variable that set it, so that a problem there names the variable.
  const sources = new Map<string, string>();
  const overrides = parseOverrides(env, sections, issues);
  // Adapters first: a changed adapter drops the file's options, then the variables' options apply.
  for (const o of overrides) {
    if (o.field !== undefined) continue;
    const instance = instanceOf(result, o.section, o.name);
    if (instance.adapter === o.value) continue;
    instance.adapter = o.value;
    sources.set(`${pathOf(result, o)}.adapter`, o.variable);
    delete instance.module;
    delete instance.export;
    delete instance.options;
  }
  for (const o of overrides) {
    if (o.field === undefined) continue;
    const instance = instanceOf(result, o.section, o.name);
    instance.options = { ...(instance.options as object | undefined), [o.field]: parseValue(o.value) };
    sources.set(`${pathOf(result, o)}.options.${o.field}`, o.variable);
  }
  return { config: result, issues, sources };
}

interface Override {
  readonly section: string;
  readonly name: string | undefined;
  /** The option field, or `undefined` for the adapter id. */
  readonly field: string | undefined;
  readonly value: string;
  readonly variable: string;
}

function parseOverrides(env: Env, sections: readonly string[], issues: string[]): Override[] {
  const overrides: Override[] = [];
  for (const variable of Object.keys(env).sort()) {
    const value = env[variable];
    if (value === undefined || !variable.startsWith('KEEL_')) continue;
    const parts = variable.slice(5).split('_');
    const section = parts[0]?.toLowerCase() ?? '';
    if (!sections.includes(section)) continue;
    const named = parts[1] !== 'ADAPTER' && parts[1] !== 'OPTIONS';
    const kind = named ? parts[2] : parts[1];
    const fieldParts = parts.slice(named ? 3 : 2);
    const name = named ? parts[1]?.toLowerCase() : undefined;
    if (kind === 'ADAPTER' && fieldParts.length === 0) {
      overrides.push({ section, name, field: undefined, value, variable });
    } else if (kind === 'OPTIONS' && fieldParts.length > 0) {
      overrides.push({ section, name, field: camelCase(fieldParts), value, variable });
    } else {
      const upper = section.toUpperCase();
      issues.push(
        `${variable}: not understood; expected KEEL_${upper}[_<INSTANCE>]_ADAPTER or KEEL_${upper}[_<INSTANCE>]_OPTIONS_<FIELD>`,
      );
    }
  }
  return overrides;
}

/** The instance object a variable addresses, created when the config lacks it. */
function instanceOf(
  config: Record<string, unknown>,
  section: string,
  name: string | undefined,
): Record<string, unknown> {
  let value = config[section] as Record<string, unknown> | undefined;
  if (value === undefined || typeof value !== 'object' || value === null) {
    // A section the file lacks: the single-instance form, unless the variable names an instance.
    value = name === undefined ? {} : { [name]: {} };
    config[section] = value;
    if (name === undefined) return value;
  }
  if ('adapter' in value || 'module' in value) {
    if (name === undefined || name === 'default') return value;
    // A named variable turns the single-instance form into named instances.
    const single = value;
    value = { default: single, [name]: {} };
    config[section] = value;
  }
  const key = name ?? (Object.keys(value).includes('default') ? 'default' : Object.keys(value)[0]) ?? 'default';
  value[key] ??= {};
  return value[key] as Record<string, unknown>;
}

/** The config path of the instance a variable addresses: `kv` (single form) or `sql.analytics`. */
function pathOf(config: Record<string, unknown>, o: Override): string {
  const section = config[o.section] as Record<string, unknown>;
  if ('adapter' in section || 'module' in section) return o.section;
  const name = o.name ?? (Object.keys(section).includes('default') ? 'default' : Object.keys(section)[0]);
  return `${o.section}.${name}`;
}

/**
 * A copy of the config's plain objects and arrays, so that overrides never change the caller's
 * object; anything else (a function such as `deliverToken`, a clock, bytes) is kept as it is.
 */
function copyPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyPlain);
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyPlain(v)]));
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
