import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { KeelConfigError, applyEnvOverrides, type Env, type KeelConfig } from '@keel/core';
import type { WasmMode } from '@keel/wasm-host';
import betterAuthProfile from '../config/better-auth.json' with { type: 'json' };
import clusterProfile from '../config/cluster.json' with { type: 'json' };
import defaultProfile from '../config/default.json' with { type: 'json' };
import testProfile from '../config/test.json' with { type: 'json' };

/** The example's own settings, beside Keel's adapter config. */
export interface AppSettings {
  /** Write requests (POST) per user per minute. */
  readonly rateLimitPerMinute: number;
  /** How long a cached task list lives in kv. */
  readonly cacheTtlMs: number;
  /** The plan limit: tasks a free workspace may hold. */
  readonly freePlanMaxTasks: number;
  readonly outboxPollIntervalMs: number;
  /** How @keel/wasm-host runs the plan rule: `isolated` (its own worker, a timeout) or `in-thread` (fastest). */
  readonly ruleMode: WasmMode;
  /**
   * Where users reach the app (`https://saas.example`), for the links in its emails. Empty: the
   * address the server listens on, which is right in development and wrong behind a proxy.
   */
  readonly publicUrl: string;
}

const ruleModes: readonly WasmMode[] = ['isolated', 'in-thread'];

export interface Profile {
  readonly name: string;
  readonly keel: KeelConfig;
  readonly app: AppSettings;
  /** Where the persistent adapters keep their files (`{dataDir}` in the profile). */
  readonly dataDir: string;
  /** Whether the adapters keep files in `dataDir` (the default profile); `test` and `cluster` keep none. */
  readonly usesDataDir: boolean;
}

// Imported (not read from disk) so that the single executable carries every profile.
type ProfileFile = {
  keel: unknown;
  app: Omit<AppSettings, 'ruleMode' | 'publicUrl'> & { ruleMode?: string; publicUrl?: string };
};
const profiles: Readonly<Record<string, ProfileFile>> = {
  default: defaultProfile,
  test: testProfile,
  cluster: clusterProfile,
  'better-auth': betterAuthProfile,
};
const sections = ['kv', 'sql', 'email', 'auth', 'messaging'];

/**
 * The profile `KEEL_PROFILE` names (`default`, `test`, `cluster` or `better-auth`), with `KEEL_<SECTION>_…` overrides
 * applied, `{dataDir}` replaced by `KEEL_DATA_DIR` (default `./.keel-data`), and
 * `KEEL_APP_<SETTING>` overriding the app settings (`KEEL_APP_RATE_LIMIT_PER_MINUTE=60`).
 */
export function loadProfile(env: Env = process.env): Profile {
  const name = env.KEEL_PROFILE ?? 'default';
  const base = profiles[name];
  if (!base)
    throw new KeelConfigError([
      `KEEL_PROFILE: unknown profile '${name}' (expected ${Object.keys(profiles).join(', ')})`,
    ]);
  const dataDir = resolve(env.KEEL_DATA_DIR ?? '.keel-data');
  const overridden = applyEnvOverrides(base.keel as Record<string, unknown>, env, sections);
  if (overridden.issues.length > 0) throw new KeelConfigError(overridden.issues);
  const keel = substitute(overridden.config, dataDir) as KeelConfig;
  const usesDataDir = JSON.stringify(keel).includes(JSON.stringify(dataDir).slice(1, -1));
  if (usesDataDir) mkdirSync(dataDir, { recursive: true });
  return { name, keel, app: appSettings(base.app, env), dataDir, usesDataDir };
}

function appSettings(base: ProfileFile['app'], env: Env): AppSettings {
  const settings: Record<string, number | string> = { ruleMode: 'isolated', publicUrl: '', ...base };
  for (const field of Object.keys(settings)) {
    const variable = `KEEL_APP_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    const text = env[variable];
    if (text === undefined) continue;
    // A setting keeps its type: text settings take the variable as it is, and are checked below.
    if (typeof settings[field] === 'string') {
      settings[field] = text;
      continue;
    }
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0)
      throw new KeelConfigError([`${variable}: expected a non-negative number, got '${text}'`]);
    settings[field] = value;
  }
  if (!ruleModes.includes(settings.ruleMode as WasmMode)) {
    throw new KeelConfigError([
      `app.ruleMode (KEEL_APP_RULE_MODE): expected ${ruleModes.join(' or ')}, got '${String(settings.ruleMode)}'`,
    ]);
  }
  settings.publicUrl = publicUrl(String(settings.publicUrl));
  return settings as unknown as AppSettings;
}

/** '' or an http(s) origin with an optional path, without the trailing slash; anything else stops start-up. */
function publicUrl(text: string): string {
  if (text === '') return '';
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username)
    throw new KeelConfigError([`app.publicUrl (KEEL_APP_PUBLIC_URL): expected an http(s) URL, got '${text}'`]);
  return url.href.replace(/\/$/, '');
}

function substitute(value: unknown, dataDir: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{dataDir}', dataDir);
  if (Array.isArray(value)) return value.map((v) => substitute(v, dataDir));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, dataDir)]));
  return value;
}
