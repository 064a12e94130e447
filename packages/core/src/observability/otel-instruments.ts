import type { BatchObservableCallback, Counter, Histogram, Meter, ObservableGauge } from '@opentelemetry/api';
import type { HealthReport } from '../lifecycle/health.js';
import { healthGauges, instanceLabels } from './health-gauges.js';
import type { ResolvedObservability } from './observability-options.js';

/** Health reports and when they were read (`performance.now()`). */
export interface HealthSnapshot {
  readonly at: number;
  readonly reports: readonly HealthReport[];
}

/** The OpenTelemetry instruments Keel records into, when a meter provider is registered. */
export interface OtelInstruments {
  /** Every observed call, in seconds: `keel.interface`, `keel.operation`, `keel.adapter`, `keel.instance`, `keel.outcome`. */
  readonly duration: Histogram;
  /** Failed calls, with `keel.error.code` besides the call's attributes. */
  readonly errors: Counter;
  /** Calls at or over their interface's `slowMs`. */
  readonly slow: Counter;
  /** OpenTelemetry's own errors, routed through `diag`. */
  readonly telemetryErrors: Counter;
  /** Stops observing the health gauges (the app closed, or another meter provider took over). */
  dispose(): void;
}

/**
 * Creates the instruments on `meter`, and the health gauges, observed from health reports no
 * older than a second when the SDK's reader collects.
 */
export function createOtelInstruments(
  meter: Meter,
  hub: { readonly config: ResolvedObservability; readHealth(): Promise<{ readonly reports: readonly HealthReport[] }> },
): OtelInstruments {
  const gauges = healthGauges.map(
    (g) => [g, meter.createObservableGauge(g.otelName, { description: g.help })] as const,
  );
  const observe: BatchObservableCallback = async (result) => {
    const { reports } = await hub.readHealth();
    for (const [gauge, instrument] of gauges) {
      for (const report of reports) {
        for (const [extra, value] of gauge.read(report)) {
          result.observe(instrument as ObservableGauge, value, { ...keelLabels(instanceLabels(report)), ...extra });
        }
      }
    }
  };
  const observables = gauges.map(([, instrument]) => instrument);
  meter.addBatchObservableCallback(observe, observables);
  return {
    dispose: () => meter.removeBatchObservableCallback(observe, observables),
    duration: meter.createHistogram('keel.operation.duration', {
      unit: 's',
      description:
        "Duration of the calls Keel observes: contract calls through core's guard, transactions, component calls.",
      advice: { explicitBucketBoundaries: [...hub.config.buckets] },
    }),
    errors: meter.createCounter('keel.operation.errors', { description: 'Calls that ended in an Err, by error code.' }),
    slow: meter.createCounter('keel.operation.slow', { description: "Calls at or over their interface's slowMs." }),
    telemetryErrors: meter.createCounter('keel.telemetry.errors', {
      description: "OpenTelemetry's own errors (failed exports, an unreachable collector).",
    }),
  };
}

/** `interface` → `keel.interface`, …: the attribute names of OpenTelemetry data. */
function keelLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [`keel.${k}`, v]));
}
