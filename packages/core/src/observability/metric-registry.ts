import { formatSample, formatValue } from './prometheus-text.js';

/** One counter series: a set of label values. */
export interface CounterSeries {
  add(amount?: number): void;
}

/** One histogram series; values in seconds. */
export interface HistogramSeries {
  observe(seconds: number): void;
}

/** A gauge reading taken when the metrics are read. */
export interface GaugeSample {
  readonly name: string;
  readonly help: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Family {
  readonly kind: 'counter' | 'histogram';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly series: Map<string, { readonly labels: readonly string[]; readonly state: CounterState | HistogramState }>;
}

interface CounterState {
  value: number;
}

interface HistogramState {
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * The in-process aggregation behind `metricsText()`: counters and histograms by label values,
 * rendered in Prometheus's text format. A caller looks its series up once and keeps it, so a
 * hot path only adds numbers.
 */
export class MetricRegistry {
  private readonly families = new Map<string, Family>();

  constructor(private readonly buckets: readonly number[]) {}

  /** A counter series; `name` without `_total`, which the text adds. */
  counter(name: string, help: string, labelNames: readonly string[], labels: readonly string[]): CounterSeries {
    const state = this.seriesState<CounterState>('counter', name, help, labelNames, labels, () => ({ value: 0 }));
    return {
      add(amount = 1) {
        state.value += amount;
      },
    };
  }

  histogram(name: string, help: string, labelNames: readonly string[], labels: readonly string[]): HistogramSeries {
    const { buckets } = this;
    const state = this.seriesState<HistogramState>('histogram', name, help, labelNames, labels, () => ({
      counts: new Array<number>(buckets.length).fill(0),
      sum: 0,
      count: 0,
    }));
    return {
      observe(seconds) {
        state.sum += seconds;
        state.count++;
        // Non-cumulative here; the text sums them. Few buckets: a scan beats a search.
        for (let i = 0; i < buckets.length; i++) {
          if (seconds <= (buckets[i] as number)) {
            (state.counts[i] as number)++;
            return;
          }
        }
      },
    };
  }

  /** Everything recorded, and the gauges read now, in Prometheus's text exposition format (0.0.4). */
  render(gauges: readonly GaugeSample[] = []): string {
    const lines: string[] = [];
    for (const family of this.families.values()) {
      lines.push(`# HELP ${family.name}${family.kind === 'counter' ? '_total' : ''} ${family.help}`);
      lines.push(`# TYPE ${family.name}${family.kind === 'counter' ? '_total' : ''} ${family.kind}`);
      for (const { labels, state } of family.series.values()) {
        const named = family.labelNames.map((n, i) => [n, labels[i] as string] as const);
        if (family.kind === 'counter') {
          lines.push(formatSample(`${family.name}_total`, named, (state as CounterState).value));
          continue;
        }
        const h = state as HistogramState;
        let cumulative = 0;
        for (const [i, bound] of this.buckets.entries()) {
          cumulative += h.counts[i] as number;
          lines.push(formatSample(`${family.name}_bucket`, [...named, ['le', formatValue(bound)]], cumulative));
        }
        lines.push(formatSample(`${family.name}_bucket`, [...named, ['le', '+Inf']], h.count));
        lines.push(formatSample(`${family.name}_sum`, named, h.sum));
        lines.push(formatSample(`${family.name}_count`, named, h.count));
      }
    }
    const byName = new Map<string, GaugeSample[]>();
    for (const g of gauges) byName.set(g.name, [...(byName.get(g.name) ?? []), g]);
    for (const [name, samples] of byName) {
      lines.push(`# HELP ${name} ${(samples[0] as GaugeSample).help}`, `# TYPE ${name} gauge`);
      for (const s of samples) lines.push(formatSample(name, Object.entries(s.labels), s.value));
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  private seriesState<S extends CounterState | HistogramState>(
    kind: Family['kind'],
    name: string,
    help: string,
    labelNames: readonly string[],
    labels: readonly string[],
    fresh: () => S,
  ): S {
    let family = this.families.get(name);
    if (family === undefined) {
      family = { kind, name, help, labelNames, series: new Map() };
      this.families.set(name, family);
    } else if (family.kind !== kind || family.labelNames.join() !== labelNames.join()) {
      throw new TypeError(`metric ${name} is already a ${family.kind} with labels ${family.labelNames.join(', ')}`);
    }
    const key = labels.join('\u0000');
    let series = family.series.get(key);
    if (series === undefined) {
      series = { labels: [...labels], state: fresh() };
      family.series.set(key, series);
    }
    return series.state as S;
  }
}
