import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import { expectOk } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { createKeel, KeelConfigError, type Env, type Keel, type KeelConfig } from '../../src/index.js';

const start = async (config: KeelConfig, env: Env = {}) =>
  (
    await createKeel({ kv: { adapter: 'memory' }, ...config }, { adapters: [memoryKvAdapter], env })
  )._unsafeUnwrap() as Keel;

const problems = async (config: KeelConfig, env: Env = {}): Promise<string[]> => {
  try {
    await start(config, env);
  } catch (error) {
    if (error instanceof KeelConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a KeelConfigError');
};

describe('the observability section', () => {
  it('fills in its defaults: on, traces and metrics, nothing aggregated in process, no thresholds', async () => {
    const keel = await start({});
    expect(keel.observability.config).toMatchObject({
      enabled: true,
      traces: true,
      metrics: true,
      prometheus: false,
      sqlStatementText: false,
      slowMs: {},
      log: 'silent',
    });
    expect(Object.isFrozen(keel.observability.config.buckets)).toBe(true);
    await keel.close();
  });

  it('takes environment overrides like adapter options do, nested fields included', async () => {
    const keel = await start(
      { observability: { slowMs: { kv: 50 } } },
      {
        KEEL_OBSERVABILITY_PROMETHEUS: 'true',
        KEEL_OBSERVABILITY_SLOW_MS_SQL: '250',
        KEEL_OBSERVABILITY_SQL_STATEMENT_TEXT: 'true',
        KEEL_OBSERVABILITY_BUCKETS: '[0.01, 0.1]',
      },
    );
    expect(keel.observability.config).toMatchObject({
      prometheus: true,
      sqlStatementText: true,
      slowMs: { kv: 50, sql: 250 },
      buckets: [0.01, 0.1],
    });
    expectOk(await keel.kv.get('k'));
    expect(await keel.observability.metricsText()).toContain('keel_operation_duration_seconds_bucket{');
    await keel.close();
  });

  it('turns off from the environment', async () => {
    const keel = await start({ observability: { prometheus: true } }, { KEEL_OBSERVABILITY_ENABLED: 'false' });
    expect(keel.observability.enabled).toBe(false);
    await keel.close();
  });

  it('refuses a bucket list that does not parse, naming the field and the variable that set it', async () => {
    expect(await problems({ observability: { buckets: [0.5, 0.1] } })).toEqual([
      'observability.buckets: expected an increasing list of 1 to 50 positive numbers of seconds, such as [0.005, 0.05, 0.5], got an array',
    ]);
    const fromEnv = await problems({}, { KEEL_OBSERVABILITY_BUCKETS: 'fast,slow' });
    expect(fromEnv[0]).toMatch(/^observability\.buckets: .*\(from KEEL_OBSERVABILITY_BUCKETS\)$/);
  });

  it('names an unknown field with a suggestion, and a variable that names no field', async () => {
    expect(await problems({ observability: { trace: true } as never })).toEqual([
      "observability.trace: is not an option; did you mean 'traces'? (known: enabled, traces, sqlStatementText, metrics, prometheus, buckets, slowMs, slowestKept, log, logLevel, diagnostics)",
    ]);
    const [issue] = await problems({}, { KEEL_OBSERVABILITY_SLOW_MS_SQLL: '3' });
    expect(issue).toMatch(/^KEEL_OBSERVABILITY_SLOW_MS_SQLL: 'slowMsSqll' is not a field of the section/);
    expect(await problems({ observability: { slowMs: { kv: 0 } } })).toEqual([
      'observability.slowMs.kv: expected an integer from 1 to 2147483647, got 0',
    ]);
  });
});
