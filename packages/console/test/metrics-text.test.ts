import { describe, expect, it } from 'vitest';
import { summarizeMetrics } from '../src/dashboard/metrics-summary.js';
import { parsePrometheusText } from '../src/dashboard/prometheus-text.js';

describe('parsePrometheusText', () => {
  it('reads names, escaped label values and values; skips comments and lines it cannot read', () => {
    const text = [
      '# HELP keel_wasm_executions_total Component calls, by outcome.',
      '# TYPE keel_wasm_executions_total counter',
      'keel_wasm_executions_total{component="a@1.0.0",export="run",outcome="ok"} 3',
      'keel_wasm_denials_total{component="q\\"uo\\\\te\\n",interface="kv",function="set"} 1',
      'keel_up 1 1700000000000',
      'keel_bucket{le="+Inf"} +Inf',
      'broken{component="a} 2',
      '{nameless="x"} 1',
      'keel_nan NaN',
      '',
    ].join('\n');
    expect(parsePrometheusText(text)).toEqual([
      { name: 'keel_wasm_executions_total', labels: { component: 'a@1.0.0', export: 'run', outcome: 'ok' }, value: 3 },
      {
        name: 'keel_wasm_denials_total',
        labels: { component: 'q"uo\\te\n', interface: 'kv', function: 'set' },
        value: 1,
      },
      { name: 'keel_up', labels: {}, value: 1 },
      { name: 'keel_bucket', labels: { le: '+Inf' }, value: Number.POSITIVE_INFINITY },
    ]);
  });
});

describe('summarizeMetrics', () => {
  const scrape = [
    'keel_wasm_executions_total{component="a@1",export="run",outcome="ok"} 8',
    'keel_wasm_executions_total{component="a@1",export="run",outcome="error"} 2',
    'keel_wasm_fuel_total{component="a@1",export="run"} 1500',
    // Cumulative buckets, per outcome: 10 calls, 4 by 5 ms, 9 by 10 ms, the last over 1 s.
    'keel_operation_duration_seconds_bucket{interface="wasm",instance="a@1",adapter="isolated",operation="run",outcome="ok",le="0.005"} 4',
    'keel_operation_duration_seconds_bucket{interface="wasm",instance="a@1",adapter="isolated",operation="run",outcome="ok",le="0.01"} 8',
    'keel_operation_duration_seconds_bucket{interface="wasm",instance="a@1",adapter="isolated",operation="run",outcome="ok",le="1"} 8',
    'keel_operation_duration_seconds_bucket{interface="wasm",instance="a@1",adapter="isolated",operation="run",outcome="ok",le="+Inf"} 8',
    'keel_operation_duration_seconds_bucket{interface="wasm",instance="a@1",adapter="isolated",operation="run",outcome="error",le="0.005"} 0',
    'keel_operation_duration_seconds_bucket{interface="wasm",instance="a@1",adapter="isolated",operation="run",outcome="error",le="0.01"} 1',
    'keel_operation_duration_seconds_bucket{interface="wasm",instance="a@1",adapter="isolated",operation="run",outcome="error",le="1"} 1',
    'keel_operation_duration_seconds_bucket{interface="wasm",instance="a@1",adapter="isolated",operation="run",outcome="error",le="+Inf"} 2',
    // Another interface's calls are not components'.
    'keel_operation_duration_seconds_bucket{interface="kv",instance="default",adapter="memory",operation="get",outcome="ok",le="0.005"} 50',
    'keel_wasm_denials_total{component="a@1",interface="kv",function="set"} 3',
    'keel_wasm_loads_total{source="transpiled"} 1',
    'keel_wasm_loads_total{source="memory"} 3',
    'keel_wasm_cache_entries{host="1"} 1',
    'keel_wasm_cache_entries{host="2"} 2',
    'keel_wasm_security_alerts_total{reason="bad_signature"} 1',
    'keel_workflows_runs{table="a",workflow="ship",state="completed"} 2',
    'keel_workflows_runs{table="b",workflow="ship",state="completed"} 1',
    'keel_workflows_step_retries{table="a",workflow="ship",step="pack"} 4',
    'keel_workflows_circuit{table="a",component="billing"} 2',
    'keel_workflows_circuit{table="a",component="ledger"} 1',
    'keel_workflows_circuit{table="a",component="mailer"} 0',
  ].join('\n');

  it('sums calls by export and outcome, reads p50/p99 from the buckets, the hit rate from the loads', () => {
    const m = summarizeMetrics(parsePrometheusText(scrape));
    expect(m.calls).toEqual([
      { component: 'a@1', export: 'run', ok: 8, error: 2, fuel: 1500, p50: 0.01, p99: Infinity },
    ]);
    expect(m.durations).toEqual([
      { le: 0.005, count: 4 },
      { le: 0.01, count: 5 },
      { le: 1, count: 0 },
      { le: Infinity, count: 1 },
    ]);
    expect(m.denials).toEqual([{ component: 'a@1', target: 'kv.set', count: 3 }]);
    expect([m.hitRate, m.cacheEntries, m.loads]).toEqual([0.75, 3, { transpiled: 1, memory: 3 }]);
    expect(m.securityAlerts).toEqual({ bad_signature: 1 });
    expect(m.runs).toEqual([{ workflow: 'ship', state: 'completed', count: 3 }]);
    expect(m.stepRetries).toEqual([{ workflow: 'ship', step: 'pack', count: 4 }]);
    expect(m.circuits).toEqual([
      { component: 'billing', state: 'open' },
      { component: 'ledger', state: 'half-open' },
    ]);
  });

  it('is empty, not wrong, before anything was counted', () => {
    const m = summarizeMetrics([]);
    expect([m.calls, m.durations, m.hitRate, m.cacheEntries, m.runs]).toEqual([[], [], undefined, undefined, []]);
  });
});
