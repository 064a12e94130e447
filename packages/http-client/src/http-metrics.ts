import type { KeelObservability } from '@keel/core';
import type { CircuitState } from '@keel/core/adapter';

/** What the client records; a no-op without observability. */
export interface HttpMetrics {
  /** One try ended: `outcome` is `ok` or the error code, `status` the HTTP status or `''`. */
  tried(host: string, method: string, outcome: string, status: number | undefined, seconds: number): void;
  retried(host: string): void;
  /** Stops the gauges. */
  close(): void;
}

/** The per-origin state the gauges read when metrics are read. */
export interface HostReadings {
  hosts(): Iterable<{ readonly host: string; readonly circuit: CircuitState | undefined; readonly inFlight: number }>;
}

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * The client's metrics in keel's observability: a counter of tries by host, method, outcome and
 * status, a duration histogram, a retry counter, and gauges of each host's circuit and tries in flight.
 *
 * @example
 * const metrics = httpMetrics(keel.observability, { hosts: () => states() });
 * metrics.tried('api.example.com', 'GET', 'ok', 200, 0.042);
 */
export function httpMetrics(observability: KeelObservability | undefined, readings: HostReadings): HttpMetrics {
  if (!observability?.enabled) return { tried: () => undefined, retried: () => undefined, close: () => undefined };
  const tries = observability.counter('keel.http.requests', 'HTTP tries by host, method, outcome and status.', [
    'host',
    'method',
    'outcome',
    'status',
  ]);
  const duration = observability.histogram('keel.http.duration', 'HTTP try duration in seconds.', ['host', 'outcome']);
  const retries = observability.counter('keel.http.retries', 'HTTP tries made again after a failure.', ['host']);
  const stops = [
    observability.gauge('keel.http.circuit', 'Circuit per host: 0 closed, 1 half-open, 2 open.', ['host'], () =>
      [...readings.hosts()].flatMap(({ host, circuit }) =>
        circuit === undefined ? [] : [[[host], CIRCUIT_VALUE[circuit]] as const],
      ),
    ),
    observability.gauge('keel.http.in_flight', 'HTTP tries in flight per host.', ['host'], () =>
      [...readings.hosts()].map(({ host, inFlight }) => [[host], inFlight] as const),
    ),
  ];
  return {
    tried(host, method, outcome, status, seconds) {
      tries.add([host, method, outcome, status === undefined ? '' : String(status)]);
      duration.observe([host, outcome], seconds);
    },
    retried: (host) => retries.add([host]),
    close: () => {
      for (const stop of stops) stop();
    },
  };
}
