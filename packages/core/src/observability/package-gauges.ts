import type { Meter, ObservableCallback, ObservableGauge } from '@opentelemetry/api';
import type { GaugeSample } from './metric-registry.js';

/** One reading of a gauge: its label values (in `labelNames` order) and the value. */
export type GaugeReading = readonly [labels: readonly string[], value: number];

/** What a package measures when metrics are read: queue depths, consumer lag, a hit ratio. */
export interface PackageGauge {
  /** OpenTelemetry's dotted name (`keel.jobs.count`); Prometheus's is the same with `_`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  read(): readonly GaugeReading[] | Promise<readonly GaugeReading[]>;
}

interface Registered {
  readonly gauge: PackageGauge;
  otel?: { readonly meter: Meter; readonly instrument: ObservableGauge; readonly callback: ObservableCallback };
}

/**
 * The gauges packages register (`keel.observability.gauge`), read when a scrape asks for the
 * Prometheus text or when the SDK's metric reader collects: nothing is polled in between. A read
 * that fails or takes over a second is left out of that collection, never a failed scrape.
 */
export class PackageGauges {
  private readonly registered = new Set<Registered>();
  private meter: Meter | undefined;

  constructor(private readonly onReadError: (error: unknown, gauge: PackageGauge) => void) {}

  add(gauge: PackageGauge): () => void {
    const entry: Registered = { gauge };
    this.registered.add(entry);
    this.observe(entry);
    return () => {
      this.unobserve(entry);
      this.registered.delete(entry);
    };
  }

  /** Follows the hub's meter: gauges move to the new one (or to none). */
  attach(meter: Meter | undefined): void {
    this.meter = meter;
    for (const entry of this.registered) {
      this.unobserve(entry);
      this.observe(entry);
    }
  }

  /** Every gauge read now, as Prometheus samples. */
  async samples(): Promise<GaugeSample[]> {
    const read = await Promise.all([...this.registered].map(({ gauge }) => this.read(gauge)));
    return read.flatMap((readings, i) => {
      const gauge = [...this.registered][i]?.gauge as PackageGauge;
      const name = gauge.name.replace(/[^a-zA-Z0-9_]/g, '_');
      return readings.map(([labels, value]) => ({
        name,
        help: gauge.help,
        labels: Object.fromEntries(gauge.labelNames.map((n, j) => [n, labels[j] ?? ''])),
        value,
      }));
    });
  }

  private async read(gauge: PackageGauge): Promise<readonly GaugeReading[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`gauge ${gauge.name} took over 1 s to read`)), 1000);
      });
      return await Promise.race([Promise.resolve().then(() => gauge.read()), late]);
    } catch (error) {
      this.onReadError(error, gauge);
      return [];
    } finally {
      clearTimeout(timer);
    }
  }

  private observe(entry: Registered): void {
    const { meter } = this;
    if (meter === undefined) return;
    const { gauge } = entry;
    const instrument = meter.createObservableGauge(gauge.name, { description: gauge.help });
    const callback: ObservableCallback = async (result) => {
      for (const [labels, value] of await this.read(gauge))
        result.observe(value, Object.fromEntries(gauge.labelNames.map((n, j) => [`keel.${n}`, labels[j] ?? ''])));
    };
    instrument.addCallback(callback);
    entry.otel = { meter, instrument, callback };
  }

  private unobserve(entry: Registered): void {
    entry.otel?.instrument.removeCallback(entry.otel.callback);
    entry.otel = undefined;
  }
}
