import type { PromSample } from './prometheus-text.js';

/** One component export's calls, from the counters and the duration histogram. */
export interface ExportCalls {
  readonly component: string;
  readonly export: string;
  readonly ok: number;
  readonly error: number;
  readonly fuel: number;
  /** Upper bounds of the histogram bucket holding the median and the 99th percentile, in seconds. */
  readonly p50: number | undefined;
  readonly p99: number | undefined;
}

/** What the metrics page shows, read from one scrape of the app's metrics. */
export interface MetricsSummary {
  readonly calls: readonly ExportCalls[];
  /** Component calls by duration bucket (upper bound in seconds, `Infinity` last), not cumulative. */
  readonly durations: readonly { readonly le: number; readonly count: number }[];
  readonly denials: readonly { readonly component: string; readonly target: string; readonly count: number }[];
  /** Loads by where the transpiled component came from (`memory`, `disk`, `embedded`, `transpiled`). */
  readonly loads: Readonly<Record<string, number>>;
  /** Loads served without transpiling, of all loads; `undefined` before the first. */
  readonly hitRate: number | undefined;
  /** Transpiled components held in memory, summed over the process's hosts. */
  readonly cacheEntries: number | undefined;
  readonly securityAlerts: Readonly<Record<string, number>>;
  readonly runs: readonly { readonly workflow: string; readonly state: string; readonly count: number }[];
  readonly stepRetries: readonly { readonly workflow: string; readonly step: string; readonly count: number }[];
  /** Components whose circuit is not closed in this process (`keel_workflows_circuit`: 1 half-open, 2 open). */
  readonly circuits: readonly { readonly component: string; readonly state: 'half-open' | 'open' }[];
}

/**
 * The component and workflow families of a scrape, summed the way an operator reads them:
 * `keel_wasm_*` counters (calls by outcome, fuel, denials, loads, security alerts, the cache's
 * entries), `keel_operation_duration_seconds` for `interface="wasm"` (the calls' durations), and
 * the workflow gauges (`keel_workflows_runs`, `keel_workflows_step_retries`, every table summed).
 */
export function summarizeMetrics(samples: readonly PromSample[]): MetricsSummary {
  const calls = new Map<string, { component: string; export: string; ok: number; error: number; fuel: number }>();
  const call = (component: string, exp: string) => {
    const key = `${component}\u0000${exp}`;
    let entry = calls.get(key);
    if (!entry) calls.set(key, (entry = { component, export: exp, ok: 0, error: 0, fuel: 0 }));
    return entry;
  };
  // Cumulative buckets per export, and over every call.
  const buckets = new Map<string, Map<number, number>>();
  const total = new Map<number, number>();
  const denials = new Map<string, { component: string; target: string; count: number }>();
  const loads: Record<string, number> = {};
  const alerts: Record<string, number> = {};
  const runs = new Map<string, { workflow: string; state: string; count: number }>();
  const retries = new Map<string, { workflow: string; step: string; count: number }>();
  let cacheEntries: number | undefined;
  const circuits = new Map<string, 'half-open' | 'open'>();
  const add = <T extends { count: number }>(map: Map<string, T>, key: string, fresh: () => T, n: number) => {
    const entry = map.get(key) ?? fresh();
    entry.count += n;
    map.set(key, entry);
  };

  for (const { name, labels: l, value } of samples) {
    switch (name) {
      case 'keel_wasm_executions_total': {
        const entry = call(l.component ?? '', l.export ?? '');
        if (l.outcome === 'ok') entry.ok += value;
        else entry.error += value;
        break;
      }
      case 'keel_wasm_fuel_total':
        call(l.component ?? '', l.export ?? '').fuel += value;
        break;
      case 'keel_wasm_denials_total': {
        const target = `${l.interface}.${l.function}`;
        add(
          denials,
          `${l.component}\u0000${target}`,
          () => ({ component: l.component ?? '', target, count: 0 }),
          value,
        );
        break;
      }
      case 'keel_wasm_loads_total':
        loads[l.source ?? ''] = (loads[l.source ?? ''] ?? 0) + value;
        break;
      case 'keel_wasm_security_alerts_total':
        alerts[l.reason ?? ''] = (alerts[l.reason ?? ''] ?? 0) + value;
        break;
      case 'keel_wasm_cache_entries':
        cacheEntries = (cacheEntries ?? 0) + value;
        break;
      case 'keel_operation_duration_seconds_bucket': {
        if (l.interface !== 'wasm') break;
        const le = l.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(l.le);
        const key = `${l.instance}\u0000${l.operation}`;
        const series = buckets.get(key) ?? new Map<number, number>();
        series.set(le, (series.get(le) ?? 0) + value);
        buckets.set(key, series);
        total.set(le, (total.get(le) ?? 0) + value);
        break;
      }
      case 'keel_workflows_runs':
        add(
          runs,
          `${l.workflow}\u0000${l.state}`,
          () => ({ workflow: l.workflow ?? '', state: l.state ?? '', count: 0 }),
          value,
        );
        break;
      case 'keel_workflows_circuit':
        if (value >= 1) circuits.set(l.component ?? '', value >= 2 ? 'open' : 'half-open');
        break;
      case 'keel_workflows_step_retries':
        add(
          retries,
          `${l.workflow}\u0000${l.step}`,
          () => ({ workflow: l.workflow ?? '', step: l.step ?? '', count: 0 }),
          value,
        );
        break;
    }
  }

  const served = Object.entries(loads).reduce((n, [source, count]) => n + (source === 'transpiled' ? 0 : count), 0);
  const allLoads = Object.values(loads).reduce((a, b) => a + b, 0);
  const sorted = [...total].sort((a, b) => a[0] - b[0]);
  return {
    calls: [...calls.values()]
      .map((c) => {
        const series = buckets.get(`${c.component}\u0000${c.export}`);
        return { ...c, p50: quantile(series, 0.5), p99: quantile(series, 0.99) };
      })
      .sort((a, b) => a.component.localeCompare(b.component) || a.export.localeCompare(b.export)),
    // The text's buckets are cumulative: each bar is its bucket's own calls.
    durations: sorted.map(([le, cumulative], i) => ({ le, count: cumulative - (sorted[i - 1]?.[1] ?? 0) })),
    denials: [...denials.values()].sort((a, b) => b.count - a.count),
    loads,
    hitRate: allLoads ? served / allLoads : undefined,
    cacheEntries,
    securityAlerts: alerts,
    runs: [...runs.values()].sort((a, b) => a.workflow.localeCompare(b.workflow) || a.state.localeCompare(b.state)),
    stepRetries: [...retries.values()].sort((a, b) => b.count - a.count),
    circuits: [...circuits].map(([component, state]) => ({ component, state })),
  };
}

/** The upper bound of the first bucket whose cumulative count reaches `q` of the calls. */
function quantile(series: Map<number, number> | undefined, q: number): number | undefined {
  if (!series) return undefined;
  const sorted = [...series].sort((a, b) => a[0] - b[0]);
  const count = sorted.at(-1)?.[1] ?? 0;
  if (count === 0) return undefined;
  return sorted.find(([, cumulative]) => cumulative >= q * count)?.[0];
}
