import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GaugeReading } from './package-gauges.js';
import {
  SpanKind,
  SpanStatusCode,
  trace,
  context,
  type Context,
  type Attributes,
  type Meter,
} from '@opentelemetry/api';
import { CallObserver, type CallTarget, type CallWatch } from './call-observer.js';
import { healthSamples } from './health-gauges.js';
import type { KeelLogger } from './keel-logger.js';
import type { ResolvedObservability } from './observability-options.js';
import { textHandler } from './prometheus-text.js';
import type { SlowCall } from './slowest-calls.js';
import type { TelemetryHub } from './telemetry-hub.js';

/**
 * Watches calls of one target, for packages built on Keel (wasm-host, jobs, events).
 *
 * @example
 * const observer = keel.observability.observer({ interface: 'events', instance: 'orders', adapter: 'sql' });
 * const watch = observer.begin('deliver', { parent }); // undefined while nothing records
 */
export interface KeelCallObserver {
  /** Anything is recorded now; when false, `begin` returns `undefined`. */
  readonly watching: boolean;
  /** Starts watching a call: a span (a child of `parent`, or of the active context), then metrics at `end`. */
  begin(operation: string, options?: { readonly parent?: Context; readonly statement?: string }): CallWatch | undefined;
}

/**
 * A counter for a package's own events (wasm-host's denials), in OpenTelemetry and the in-process text.
 *
 * @example
 * const retries = keel.observability.counter('keel.jobs.retries', 'Jobs retried.', ['queue']);
 * retries.add(['emails']);
 */
export interface KeelCounter {
  /** `labels` in the order of the counter's label names. */
  add(labels: readonly string[], amount?: number): void;
}

/**
 * A histogram of durations in seconds (the config's `buckets`), in OpenTelemetry and the in-process text.
 *
 * @example
 * const duration = keel.observability.histogram('keel.http.duration', 'Request time, s.', ['host']);
 * duration.observe(['api.example.com'], 0.042);
 */
export interface KeelHistogram {
  /** `labels` in the order of the histogram's label names; `seconds` the value. */
  observe(labels: readonly string[], seconds: number): void;
}

/**
 * `keel.observability`: what Keel records about its calls, and the kit packages built on Keel
 * use to record theirs the same way.
 *
 * @example
 * http.createServer((req, res) =>
 *   req.url === '/metrics' ? keel.observability.metricsHandler(req, res) : app(req, res),
 * );
 * const slow = keel.observability.slowest(10);
 */
export interface KeelObservability {
  /** The config's `observability.enabled`. */
  readonly enabled: boolean;
  /** The `observability` section in force, defaults and environment overrides applied. */
  readonly config: ResolvedObservability;
  /** Spans are recorded now (traces on, and an SDK registered or a provider given). */
  readonly tracing: boolean;
  /** The app's logger, with trace and span ids on each line inside a span. */
  readonly logger: KeelLogger;
  /** The `n` slowest calls seen (of the last `slowestKept`), slowest first. Empty while nothing records calls. */
  slowest(n?: number): SlowCall[];
  /** Prometheus's text format: the in-process aggregation (with `prometheus: true`) and the health gauges. */
  metricsText(): Promise<string>;
  /** A Node `(req, res)` handler answering GET with `metricsText()`. */
  readonly metricsHandler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Looks again for an OpenTelemetry SDK registered after `createKeel` (found by itself within 1024 calls). */
  refresh(): void;
  /** An observer for a package's own calls: `{ interface: 'wasm', instance: componentId, adapter: mode }`. */
  observer(target: CallTarget): KeelCallObserver;
  /** A span that is not a call (a phase of a load), when spans are recorded now. */
  span(
    name: string,
    options?: { readonly parent?: Context; readonly attributes?: SpanAttributes },
  ): CallWatch | undefined;
  /** A counter; `name` in OpenTelemetry's dotted form (`keel.wasm.denials`), `_total` added for Prometheus. */
  counter(name: string, help: string, labelNames: readonly string[]): KeelCounter;
  /** A histogram of seconds; `name` in OpenTelemetry's dotted form (`keel.http.duration`). */
  histogram(name: string, help: string, labelNames: readonly string[]): KeelHistogram;
  /**
   * A gauge read when metrics are read — a scrape of `metricsText()`, or the SDK's collection —
   * never in between: `read` returns the current values by label values (queue depths, lag, a
   * ratio). Returns its removal. A read that fails or takes over a second is logged and left out.
   *
   * @example
   * const stop = keel.observability.gauge('keel.jobs.count', 'Jobs by queue and state.', ['queue', 'state'],
   *   async () => [[['default', 'waiting'], await countWaiting()]]);
   */
  gauge(
    name: string,
    help: string,
    labelNames: readonly string[],
    read: () => readonly GaugeReading[] | Promise<readonly GaugeReading[]>,
  ): () => void;
}

/** Attributes of a span: `{ 'keel.wasm.component': 'billing' }`. */
export type SpanAttributes = Readonly<Record<string, string | number | boolean>>;

/** The `keel.observability` of an app, over its hub; with `enabled` false it records nothing of its own. */
export function keelObservability(hub: TelemetryHub, enabled: boolean): KeelObservability {
  const metricsText = async () => {
    const [health, gauges] = await Promise.all([hub.readHealth(), hub.gauges.samples()]);
    return hub.registry.render([...healthSamples(health.reports), ...gauges]);
  };
  return Object.freeze({
    enabled,
    config: hub.config,
    get tracing() {
      return enabled && hub.tracing;
    },
    logger: hub.logger,
    slowest: (n = 10) => {
      if (!Number.isInteger(n) || n < 0) throw new TypeError(`slowest: n must be an integer ≥ 0, got ${String(n)}`);
      return hub.slowest.list(n);
    },
    metricsText,
    metricsHandler: textHandler(metricsText),
    refresh: () => hub.resolve(),
    observer: (target: CallTarget) => (enabled ? packageObserver(new CallObserver(hub, target)) : idle),
    span: (name: string, options: { parent?: Context; attributes?: SpanAttributes } = {}) =>
      enabled ? spanWatch(hub, name, options.attributes ?? {}, options.parent) : undefined,
    counter: (name: string, help: string, labelNames: readonly string[]) =>
      enabled ? packageCounter(hub, name, help, labelNames) : { add: () => undefined },
    histogram: (name: string, help: string, labelNames: readonly string[]) =>
      enabled ? packageHistogram(hub, name, help, labelNames) : { observe: () => undefined },
    gauge: (
      name: string,
      help: string,
      labelNames: readonly string[],
      read: () => readonly GaugeReading[] | Promise<readonly GaugeReading[]>,
    ) => (enabled ? hub.gauges.add({ name, help, labelNames, read }) : () => undefined),
  });
}

const idle: KeelCallObserver = Object.freeze({ watching: false, begin: () => undefined });

function packageObserver(observer: CallObserver): KeelCallObserver {
  return {
    get watching() {
      return observer.hub.watching;
    },
    begin: (operation, options = {}) =>
      observer.hub.watching ? observer.begin(operation, options.statement, options.parent) : undefined,
  };
}

function spanWatch(
  hub: TelemetryHub,
  name: string,
  attributes: SpanAttributes,
  parent?: Context,
): CallWatch | undefined {
  const span = hub.startSpan(name, SpanKind.INTERNAL, { ...attributes }, parent);
  if (span === undefined) return undefined;
  const { traceId, spanId } = span.spanContext();
  const within = trace.setSpan(parent ?? context.active(), span);
  let ended = false;
  return {
    context: within,
    traceId,
    spanId,
    set: (key, value) => span.setAttribute(key, value),
    within: (fn) => context.with(within, fn),
    end(error) {
      if (ended) return;
      ended = true;
      const code = (error as { code?: unknown } | undefined)?.code;
      if (error !== undefined) {
        const text = typeof code === 'string' ? code : 'INTERNAL';
        span.setAttributes({ 'keel.outcome': 'error', 'keel.error.code': text, 'error.type': text });
        span.setStatus({ code: SpanStatusCode.ERROR, message: text });
      } else span.setAttribute('keel.outcome', 'ok');
      span.end();
    },
  };
}

function packageCounter(hub: TelemetryHub, name: string, help: string, labelNames: readonly string[]): KeelCounter {
  const record = packageInstrument(
    hub,
    name,
    labelNames,
    (promName, labels) => hub.registry.counter(promName, help, labelNames, labels),
    (meter) => meter.createCounter(name, { description: help }),
  );
  return {
    add: (labels, amount = 1) =>
      record(
        labels,
        (series) => series.add(amount),
        (counter, attributes) => counter.add(amount, attributes),
      ),
  };
}

function packageHistogram(hub: TelemetryHub, name: string, help: string, labelNames: readonly string[]): KeelHistogram {
  const record = packageInstrument(
    hub,
    name,
    labelNames,
    (promName, labels) => hub.registry.histogram(promName, help, labelNames, labels),
    (meter) => meter.createHistogram(name, { description: help, unit: 's' }),
  );
  return {
    observe: (labels, seconds) =>
      record(
        labels,
        (series) => series.observe(seconds),
        (histogram, attributes) => histogram.record(seconds, attributes),
      ),
  };
}

/**
 * One package instrument in both places: the in-process series per label values (looked up
 * once, then kept), and the OpenTelemetry instrument of the hub's current meter (made again
 * when the meter changes), with the labels as `keel.<name>` attributes.
 */
function packageInstrument<S, I>(
  hub: TelemetryHub,
  name: string,
  labelNames: readonly string[],
  seriesFor: (promName: string, labels: readonly string[]) => S,
  instrumentOf: (meter: Meter) => I,
) {
  const promName = name.replace(/[^a-zA-Z0-9_]/g, '_');
  const series = new Map<string, S>();
  let otel: { meter: Meter; instrument: I } | undefined;
  return (
    labels: readonly string[],
    local: (series: S) => void,
    remote: (instrument: I, attributes: Attributes) => void,
  ) => {
    const key = labels.join('\u0000');
    let s = series.get(key);
    if (s === undefined) {
      s = seriesFor(promName, labels);
      series.set(key, s);
    }
    local(s);
    const meter = hub.meter;
    if (meter === undefined) return;
    if (otel?.meter !== meter) otel = { meter, instrument: instrumentOf(meter) };
    remote(otel.instrument, Object.fromEntries(labelNames.map((n, i) => [`keel.${n}`, labels[i] ?? ''])));
  };
}
