import type { HealthReport } from '../lifecycle/health.js';
import type { GaugeSample } from './metric-registry.js';

/** One gauge read from health reports, with its OpenTelemetry and Prometheus names. */
export interface HealthGauge {
  readonly otelName: string;
  readonly promName: string;
  readonly help: string;
  /** The readings of one report: extra labels and a value; none when the adapter does not report it. */
  read(report: HealthReport): readonly (readonly [Readonly<Record<string, string>>, number])[];
}

const figure = (report: HealthReport, field: string): number | undefined => {
  const value = report.detail?.[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
};

/**
 * The gauges health gives: whether each instance is up, and the pool figures adapters report
 * in their health detail (`total` and `idle` connections, calls `waiting` for one).
 */
export const healthGauges: readonly HealthGauge[] = [
  {
    otelName: 'keel.instance.up',
    promName: 'keel_instance_up',
    help: '1 when the instance answered its last health check, else 0.',
    read: (r) => [[{}, r.ok ? 1 : 0]],
  },
  {
    otelName: 'keel.pool.connections',
    promName: 'keel_pool_connections',
    help: 'Connections of the instance, by state (adapters that report a pool in health).',
    read(r) {
      const total = figure(r, 'total');
      const idle = figure(r, 'idle');
      if (total === undefined) return [];
      const readings: [Record<string, string>, number][] = [[{ state: 'total' }, total]];
      if (idle !== undefined)
        readings.push([{ state: 'idle' }, idle], [{ state: 'in_use' }, Math.max(0, total - idle)]);
      return readings;
    },
  },
  {
    otelName: 'keel.pool.waiting',
    promName: 'keel_pool_waiting',
    help: 'Calls waiting for a connection (adapters that report it in health).',
    read(r) {
      const waiting = figure(r, 'waiting');
      return waiting === undefined ? [] : [[{}, waiting]];
    },
  },
];

/** The labels every health gauge has. */
export function instanceLabels(report: HealthReport): Record<string, string> {
  return { interface: report.interface, instance: report.name, adapter: report.adapter };
}

/** The health gauges of `reports` as Prometheus samples. */
export function healthSamples(reports: readonly HealthReport[]): GaugeSample[] {
  const samples: GaugeSample[] = [];
  for (const gauge of healthGauges) {
    for (const report of reports) {
      for (const [extra, value] of gauge.read(report)) {
        samples.push({
          name: gauge.promName,
          help: gauge.help,
          labels: { ...instanceLabels(report), ...extra },
          value,
        });
      }
    }
  }
  return samples;
}
