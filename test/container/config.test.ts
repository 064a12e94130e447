import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import { KeelConfigError, createKeel, defineConfig, loadConfig, type KeelConfig } from '@keel/core';
import { applyEnvOverrides } from '../../packages/core/src/config/env-overrides.js';

/** The issues a config produces at start-up, or [] when it starts. */
async function issuesOf(config: unknown, env: Record<string, string> = {}): Promise<string[]> {
  try {
    const keel = await createKeel(config as KeelConfig, { env, adapters: [memoryKvAdapter] });
    if (keel.isOk()) await keel.value.close();
    return [];
  } catch (error) {
    if (!(error instanceof KeelConfigError)) throw error;
    return [...error.issues];
  }
}

describe('config validation', () => {
  it('names the exact path and what was expected for adapter options', async () => {
    expect(await issuesOf({ kv: { adapter: 'memory', options: { sweepIntervalMs: 'fast' } } })).toEqual([
      'kv.options.sweepIntervalMs: expected an integer from 1 to 2147483647, got "fast"',
    ]);
    expect(await issuesOf({ kv: { cache: { adapter: 'memory', options: { limits: { maxKeyBytes: 0 } } } } })).toEqual([
      'kv.cache.options.limits.maxKeyBytes: expected an integer from 1 to 2147483647, got 0',
    ]);
  });

  it('lists the known adapters for an unknown id, with a suggestion', async () => {
    const [issue] = await issuesOf({ kv: { adapter: 'memroy' } });
    expect(issue).toMatch(/^kv\.adapter: unknown kv adapter 'memroy'; did you mean 'memory'\? \(known: memory/);
  });

  it("reports every problem in an adapter's options, with a suggestion for a misspelt one", async () => {
    expect(
      await issuesOf({
        kv: { adapter: 'memory', options: { sweepIntervallMs: 5, limits: { maxKeyBytes: -1, maxBatchSize: 'all' } } },
      }),
    ).toEqual([
      'kv.options.limits.maxKeyBytes: expected an integer from 1 to 2147483647, got -1',
      'kv.options.limits.maxBatchSize: expected an integer from 1 to 2147483647, got "all"',
      "kv.options.sweepIntervallMs: is not an option; did you mean 'sweepIntervalMs'? (known: sweepIntervalMs, limits, clock)",
    ]);
  });

  it('names the environment variable a bad value came from', async () => {
    expect(await issuesOf({ kv: { adapter: 'memory' } }, { KEEL_KV_OPTIONS_SWEEP_INTERVAL_MS: 'fast' })).toEqual([
      'kv.options.sweepIntervalMs: expected an integer from 1 to 2147483647, got "fast" ' +
        '(from KEEL_KV_OPTIONS_SWEEP_INTERVAL_MS)',
    ]);
    expect(await issuesOf({}, { KEEL_KV_ADAPTER: 'memroy' })).toEqual([
      expect.stringMatching(
        /^kv\.adapter: unknown kv adapter 'memroy'; did you mean 'memory'\?.* \(from KEEL_KV_ADAPTER\)$/,
      ),
    ]);
  });

  it('names the package to install and register for a known adapter that is not registered', async () => {
    expect(await issuesOf({ sql: { adapter: 'sqlite', options: { filename: ':memory:' } } })).toEqual([
      "sql.adapter: 'sqlite' is provided by @keel/adapter-sqlite, which is not registered: npm install " +
        "@keel/adapter-sqlite, then register it (import { sqliteAdapter } from '@keel/adapter-sqlite'; " +
        'createKeel(config, { adapters: [sqliteAdapter] }))',
    ]);
  });

  it('reports every problem at once', async () => {
    const issues = await issuesOf({
      kv: { adapter: 42, extra: true },
      sqll: {},
      sql: { Main: { adapter: 'x' } },
    });
    expect(issues).toEqual([
      'kv.extra: unknown field (known: adapter, options, requires, module, export)',
      'kv.adapter: expected an adapter id (string), got 42',
      "sqll: unknown section; did you mean 'sql'? (known: kv, sql, email, messaging, blobstore, auth)",
      "sql.Main: instance names are lowercase letters, digits and '-', starting with a letter",
    ]);
  });

  it('refuses at start-up a capability the adapter lacks', async () => {
    expect(await issuesOf({ kv: { adapter: 'memory', requires: ['ttl', 'persistent'] } })).toEqual([
      "kv.requires: adapter 'memory' lacks 'persistent' (it has: ttl, atomicBatch, synchronous)",
    ]);
    expect(await issuesOf({ kv: { adapter: 'memory', requires: ['durable'] } })).toEqual([
      'kv.requires[0]: expected one of ttl, atomicBatch, persistent, synchronous, got "durable"',
    ]);
  });

  it('rejects a config that is not an object', async () => {
    expect(await issuesOf(null)).toEqual(['(config): expected an object, got null']);
    expect(await issuesOf({ kv: 'memory' })).toEqual([
      'kv: expected { adapter, options } or named instances, got "memory"',
    ]);
  });

  it('loads a module adapter by path and checks its export', async () => {
    const module = join(import.meta.dirname, 'fixtures/custom-kv.ts');
    expect(
      await issuesOf({ kv: { adapter: 'custom', module, export: 'createCustomKv', options: { label: 'x' } } }),
    ).toEqual([]);
    expect(
      await issuesOf({ kv: { adapter: 'custom', module, export: 'createCustomKv', options: { label: 1 } } }),
    ).toEqual(['kv.options.label: expected a string, got 1']);
    expect(
      await issuesOf({ kv: { adapter: 'custom', module, export: 'customKvAdapter', options: { label: 1 } } }),
    ).toEqual(['kv.options.label: expected a string, got 1']);
    expect(await issuesOf({ kv: { adapter: 'custom', module, export: 'notAFactory' } })).toEqual([
      `kv.module: module ${module} has no adapter definition or factory export 'notAFactory'`,
    ]);
    expect(await issuesOf({ kv: { adapter: 'custom', module: 'keel-no-such-package' } })).toEqual([
      'kv.module: module keel-no-such-package is not installed (npm install keel-no-such-package)',
    ]);
  });

  it('defineConfig returns the config unchanged', () => {
    const config = { kv: { adapter: 'memory' } } as const;
    expect(defineConfig(config)).toBe(config);
  });
});

describe('environment overrides', () => {
  const sections = ['kv', 'sql'];

  it('sets the adapter and drops the options that belonged to the previous one', () => {
    const { config, issues } = applyEnvOverrides(
      { kv: { adapter: 'level', options: { location: './data' } } },
      { KEEL_KV_ADAPTER: 'memory' },
      sections,
    );
    expect(issues).toEqual([]);
    expect(config).toEqual({ kv: { adapter: 'memory' } });
  });

  it('sets options of named instances, camel-casing fields and parsing JSON values', () => {
    const { config } = applyEnvOverrides(
      { sql: { main: { adapter: 'sqlite', options: { filename: 'a.db' } } } },
      {
        KEEL_SQL_MAIN_OPTIONS_BUSY_TIMEOUT_MS: '5000',
        KEEL_SQL_MAIN_OPTIONS_FILENAME: 'b.db',
        KEEL_SQL_ANALYTICS_ADAPTER: 'sqlite',
        PATH: '/bin',
      },
      sections,
    );
    expect(config).toEqual({
      sql: {
        main: { adapter: 'sqlite', options: { filename: 'b.db', busyTimeoutMs: 5000 } },
        analytics: { adapter: 'sqlite' },
      },
    });
  });

  it('keeps options given by variables when a variable also changes the adapter', () => {
    const { config } = applyEnvOverrides(
      { kv: { adapter: 'level', options: { location: 'x' } } },
      { KEEL_KV_ADAPTER: 'memory', KEEL_KV_OPTIONS_SWEEP_INTERVAL_MS: '10' },
      sections,
    );
    expect(config).toEqual({ kv: { adapter: 'memory', options: { sweepIntervalMs: 10 } } });
  });

  it('reports variables it does not understand', () => {
    const { issues } = applyEnvOverrides({}, { KEEL_KV_ADAPTR: 'memory' }, sections);
    expect(issues).toEqual([
      'KEEL_KV_ADAPTR: not understood; expected KEEL_KV[_<INSTANCE>]_ADAPTER or KEEL_KV[_<INSTANCE>]_OPTIONS_<FIELD>',
    ]);
  });

  it('is applied by createKeel, and can be turned off', async () => {
    const adapters = [memoryKvAdapter];
    const env = { KEEL_KV_OPTIONS_SWEEP_INTERVAL_MS: '"fast"' };
    const started = createKeel({ kv: { adapter: 'memory' } }, { env, adapters });
    await expect(started).rejects.toThrow(KeelConfigError);
    await expect(started).rejects.toThrow('kv.options.sweepIntervalMs: expected an integer');
    const off = (await createKeel({ kv: { adapter: 'memory' } }, { env: false, adapters }))._unsafeUnwrap();
    await off.close();
  });
});

describe('loadConfig', () => {
  it('reads JSON and names the file when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keel-config-'));
    await writeFile(join(dir, 'good.json'), JSON.stringify({ kv: { adapter: 'memory' } }));
    await writeFile(join(dir, 'bad.json'), '{ "kv": ');
    expect(await loadConfig(join(dir, 'good.json'))).toEqual({ kv: { adapter: 'memory' } });
    await expect(loadConfig(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json: not valid JSON/);
    await expect(loadConfig(join(dir, 'missing.json'))).rejects.toThrow(
      /missing\.json: cannot read the file \(ENOENT\)/,
    );
  });
});

describe('config values that are not JSON', () => {
  it("keeps functions and objects the caller passed, and never changes the caller's config", async () => {
    const clock = { now: () => 1_000 };
    const config = { kv: { adapter: 'memory', options: { clock } } } as const;
    const keel = (
      await createKeel(config, { env: { KEEL_KV_OPTIONS_SWEEP_INTERVAL_MS: '50' }, adapters: [memoryKvAdapter] })
    )._unsafeUnwrap();
    expect((await keel.kv.set('k', 'v', { ttlMs: 10 })).isOk()).toBe(true);
    expect(config.kv.options).toEqual({ clock });
    await keel.close();
  });
});
