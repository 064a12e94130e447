import {
  createNoopMeter,
  metrics,
  trace,
  type Context,
  type Meter,
  type MeterProvider,
  type Span,
  type SpanKind,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { KeelLogger } from './keel-logger.js';
import { PackageGauges } from './package-gauges.js';
import { MetricRegistry, type CounterSeries } from './metric-registry.js';
import type { ResolvedObservability } from './observability-options.js';
import { createOtelInstruments, type HealthSnapshot, type OtelInstruments } from './otel-instruments.js';
import { SlowestCalls } from './slowest-calls.js';

/** The instrumentation scope of everything Keel records. */
export const scopeName = '@keel/core';

/** Where the hub finds what it needs beside its config. */
export interface TelemetryHubOptions {
  readonly config: ResolvedObservability;
  readonly logger: KeelLogger;
  /** A provider of the app's own; otherwise the global one (which may get an SDK later). */
  readonly tracerProvider?: TracerProvider;
  readonly meterProvider?: MeterProvider;
}

/** The global tracer provider as the API returns it: a proxy whose delegate is the SDK, once one registers. */
interface ProxyLike extends TracerProvider {
  getDelegate(): TracerProvider;
}

/** How many checks go by between two looks for a provider registered late. */
const recheckEvery = 1024;

/**
 * One Keel app's observability: its config, tracer, meter instruments, in-process aggregation,
 * slow-call record and logger. Every guarded call asks `watching` first, so that with nothing to
 * record (no SDK, no Prometheus aggregation, no slow thresholds) a call costs one check.
 */
export class TelemetryHub {
  readonly config: ResolvedObservability;
  readonly logger: KeelLogger;
  readonly registry: MetricRegistry;
  readonly slowest: SlowestCalls;
  /** The gauges packages register, read at each scrape or collection. */
  readonly gauges: PackageGauges;
  /** Set while spans are to be made; `undefined` with `traces: false`. */
  tracer: Tracer | undefined;
  /** Set while a meter provider is registered and `metrics` is on. */
  otel: OtelInstruments | undefined;
  meter: Meter | undefined;
  /** Per-call data is wanted whatever the tracer does (Prometheus, slow thresholds, metrics, a given provider). */
  private always = false;
  /** `always`, or the global tracer provider has an SDK behind it: as of the last `resolve`. */
  private live = false;
  private proxy: ProxyLike | undefined;
  private noopDelegate: TracerProvider | undefined;
  private meterProvider: MeterProvider | undefined;
  private countdown = recheckEvery;
  private readonly telemetryErrors: CounterSeries;
  /** The latest health reports, for the gauges; refreshed by whoever reads them when stale. */
  health: HealthSnapshot = { at: Number.NEGATIVE_INFINITY, reports: [] };
  healthSource: (() => Promise<HealthSnapshot['reports']>) | undefined;
  private reading: Promise<HealthSnapshot> | undefined;

  constructor(private readonly options: TelemetryHubOptions) {
    this.config = deepFreeze(options.config);
    this.logger = options.logger;
    this.registry = new MetricRegistry(this.config.buckets);
    this.slowest = new SlowestCalls(this.config.slowestKept);
    this.gauges = new PackageGauges((error, gauge) =>
      this.logger.warn({ err: error, gauge: gauge.name }, 'observability: a gauge could not be read'),
    );
    this.telemetryErrors = this.registry.counter(
      'keel_telemetry_errors',
      "OpenTelemetry's own errors (failed exports, an unreachable collector).",
      [],
      [],
    );
    this.resolve();
  }

  /**
   * Anything to record for a call right now. Read on every guarded call, so it is a count and a
   * field: whether a tracer provider is live is looked at again every 1024 reads (and by `resolve`).
   */
  get watching(): boolean {
    if (--this.countdown < 0) this.resolve();
    return this.live;
  }

  /** Spans are recorded now. */
  get tracing(): boolean {
    if (this.tracer === undefined) return false;
    return this.proxy === undefined || this.proxy.getDelegate() !== this.noopDelegate;
  }

  /** A span, when spans are recorded now; parented on `parent` or the active context. */
  startSpan(name: string, kind: SpanKind, attributes: Record<string, string | number | boolean>, parent?: Context) {
    if (!this.tracing) return undefined;
    return (this.tracer as Tracer).startSpan(name, { kind, attributes }, parent) as Span;
  }

  /** Counts one of OpenTelemetry's own errors (see `routeDiagnostics`). */
  telemetryError(): void {
    this.telemetryErrors.add();
    this.otel?.telemetryErrors.add(1);
  }

  /** Looks again for the global providers (an SDK registered after `createKeel`). */
  resolve(): void {
    this.countdown = recheckEvery;
    const { config, options } = this;
    if (!config.traces) {
      this.tracer = undefined;
      this.proxy = undefined;
    } else if (options.tracerProvider) {
      this.tracer ??= options.tracerProvider.getTracer(scopeName);
      this.proxy = undefined;
    } else {
      const global = trace.getTracerProvider() as ProxyLike;
      if (global !== this.proxy) {
        this.proxy = typeof global.getDelegate === 'function' ? global : undefined;
        // The noop delegate of the API copy the proxy comes from (an app may load two copies).
        this.noopDelegate = this.proxy ? new (global.constructor as new () => ProxyLike)().getDelegate() : undefined;
        this.tracer = global.getTracer(scopeName);
      }
    }
    if (config.metrics) {
      const provider = options.meterProvider ?? metrics.getMeterProvider();
      if (provider !== this.meterProvider) {
        this.meterProvider = provider;
        const meter = provider.getMeter(scopeName);
        this.meter = meter === createNoopMeter() ? undefined : meter;
        this.otel?.dispose();
        this.otel = this.meter && createOtelInstruments(this.meter, this);
        this.gauges.attach(this.meter);
      }
    }
    const slow = Object.values(config.slowMs).some((ms) => ms !== undefined);
    this.always =
      (config.traces && options.tracerProvider !== undefined) || config.prometheus || slow || this.otel !== undefined;
    this.live = this.always || this.tracing;
  }

  /** Stops what outlives calls: the health gauges' callback. */
  close(): void {
    this.otel?.dispose();
    this.gauges.attach(undefined);
    this.healthSource = undefined;
  }

  /**
   * The health reports, read again when older than `maxAgeMs`; concurrent readers share one read.
   * A check still running after `waitMs` (an unreachable database) answers with the last reports,
   * so that a scrape never hangs on an adapter; the check goes on and updates them when it ends.
   */
  readHealth(maxAgeMs = 1000, waitMs = 2000): Promise<HealthSnapshot> {
    const source = this.healthSource;
    if (source === undefined || performance.now() - this.health.at < maxAgeMs) return Promise.resolve(this.health);
    this.reading ??= source()
      .then((reports) => (this.health = { at: performance.now(), reports }))
      .catch(() => this.health)
      .finally(() => {
        this.reading = undefined;
      });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<HealthSnapshot>((resolve) => {
      timer = setTimeout(() => resolve(this.health), waitMs);
      timer.unref();
    });
    return Promise.race([this.reading, late]).finally(() => clearTimeout(timer));
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
