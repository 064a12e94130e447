import type { ExecutionRecord } from '@keel/wasm-host';
import { html, type SafeHtml } from './html.js';

/** What a set of calls adds up to. */
export interface CallStats {
  readonly calls: number;
  readonly errors: number;
  /** Durations in ms by nearest rank; `undefined` without calls. */
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  /** Fuel summed over the calls that report it; `undefined` when none does. */
  readonly fuel: number | undefined;
}

/**
 * The statistics of execution records: calls, errors, p50 and p99 of the duration, fuel.
 *
 * @example
 * callStats(records); // { calls: 3, errors: 1, p50Ms: 2, p99Ms: 9, fuel: 1200 }
 */
export function callStats(records: readonly Pick<ExecutionRecord, 'outcome' | 'durationMs' | 'fuelUsed'>[]): CallStats {
  const durations = records.map((r) => r.durationMs).sort((a, b) => a - b);
  const fuels = records.map((r) => r.fuelUsed).filter((f): f is number => f !== undefined);
  return {
    calls: records.length,
    errors: records.filter((r) => r.outcome === 'error').length,
    p50Ms: nearestRank(durations, 0.5),
    p99Ms: nearestRank(durations, 0.99),
    fuel: fuels.length ? fuels.reduce((a, b) => a + b, 0) : undefined,
  };
}

/** Records grouped by the version in their component id (`name@version`), in first-seen order. */
export function byVersion<T extends Pick<ExecutionRecord, 'component'>>(records: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of records) {
    const at = r.component.lastIndexOf('@');
    const version = at === -1 ? r.component : r.component.slice(at + 1);
    groups.set(version, [...(groups.get(version) ?? []), r]);
  }
  return groups;
}

/**
 * A bar chart of call durations, oldest on the left; an error's bar has the class `bar error`.
 * Each bar carries a `<title>` (the tooltip) naming the call. Sizes are attributes, not styles,
 * so the page's Content-Security-Policy needs no inline style.
 */
export function durationChart(
  records: readonly Pick<ExecutionRecord, 'outcome' | 'durationMs' | 'export' | 'component'>[],
): SafeHtml {
  const width = 480;
  const height = 96;
  const gap = 2;
  const max = Math.max(1, ...records.map((r) => r.durationMs));
  const bar = records.length ? Math.min(24, Math.max(2, Math.floor(width / records.length) - gap)) : 0;
  const bars = records.map((r, i) => {
    const h = Math.max(1, Math.round((r.durationMs / max) * (height - 4)));
    return html`<rect class="bar${r.outcome === 'error' ? ' error' : ''}" x="${i * (bar + gap)}" y="${height - h}" width="${bar}" height="${h}" rx="1"><title>${r.component} ${r.export}: ${formatMs(r.durationMs)}${r.outcome === 'error' ? ' (error)' : ''}</title></rect>`;
  });
  return html`<svg class="chart" role="img" aria-label="Duration of the last ${records.length} calls, longest ${formatMs(max)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${bars}<line class="axis" x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}"></line></svg>`;
}

/** A duration for people: `0.42 ms`, `12 ms`, `1.5 s`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  return ms < 10 ? `${Number(ms.toFixed(2))} ms` : `${Math.round(ms)} ms`;
}

function nearestRank(sorted: readonly number[], q: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
