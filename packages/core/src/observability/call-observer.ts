import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { CounterSeries, HistogramSeries } from './metric-registry.js';
import type { SlowCall } from './slowest-calls.js';
import type { TelemetryHub } from './telemetry-hub.js';

/**
 * What is observed: an adapter instance, or a package's own unit (a component, a queue).
 *
 * @example
 * const observer = keel.observability.observer({ interface: 'jobs', instance: 'emails', adapter: 'sql', kind: 'consumer' });
 */
export interface CallTarget {
  /** `kv`, `sql`, `email`, `auth`, `wasm`, … */
  readonly interface: string;
  /** The instance name from config, or a component's id. */
  readonly instance: string;
  readonly adapter: string;
  /** The kind of the calls' spans: `client` for calls out (an adapter), `internal`, `consumer` for work taken off a queue, … @default 'client' */
  readonly kind?: 'client' | 'server' | 'internal' | 'producer' | 'consumer';
}

/**
 * One observed call, from `begin` to `end`.
 *
 * @example
 * const watch = observer.begin('send-invoice');
 * const result = await (watch ? watch.within(() => run(job)) : run(job));
 * watch?.end(result.isErr() ? result.error : undefined);
 */
export interface CallWatch {
  /** The call's span in a context, for children (host calls, statements); `undefined` when not traced. */
  readonly context: Context | undefined;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  /** Sets an attribute on the span (when traced). */
  set(key: string, value: string | number | boolean): void;
  /** Runs `fn` inside the call's span, so that what it calls nests under it; as it is when not traced. */
  within<T>(fn: () => T): T;
  /** Ends the call: `error` (anything with a `code`) makes it a failure. Only the first `end` counts. */
  end(error?: unknown): void;
}

/** What one operation's calls share: span name, attribute sets, series. */
export interface OpSeries {
  readonly op: string;
  readonly spanName: string;
  readonly attributes: Attributes;
  readonly ok: Attributes;
  readonly failed: Attributes;
  promOk: HistogramSeries | undefined;
  promFailed: HistogramSeries | undefined;
  readonly errors: Map<string, { readonly attributes: Attributes; readonly prom: CounterSeries | undefined }>;
}

const callLabels = ['interface', 'instance', 'adapter', 'operation'] as const;

const spanKinds = {
  client: SpanKind.CLIENT,
  server: SpanKind.SERVER,
  internal: SpanKind.INTERNAL,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
} as const;

/**
 * Observes the calls of one target: spans, the duration histogram and error counter (through
 * OpenTelemetry and, when on, the in-process aggregation), slow calls. What an operation needs
 * (span name, attribute sets, series) is built on its first call and reused.
 */
export class CallObserver {
  private readonly ops = new Map<string, OpSeries>();
  private readonly slowMs: number | undefined;
  private readonly kind: SpanKind;

  constructor(
    readonly hub: TelemetryHub,
    readonly target: CallTarget,
  ) {
    this.slowMs = (hub.config.slowMs as Readonly<Record<string, number | undefined>>)[target.interface];
    this.kind = spanKinds[target.kind ?? 'client'];
  }

  /** Starts watching a call. `statement` goes on the span only with `sqlStatementText`; `parent` defaults to the active context. */
  begin(op: string, statement?: string, parent?: Context): CallWatch {
    const series = this.ops.get(op) ?? this.series(op);
    const text = statement !== undefined && this.hub.config.sqlStatementText ? statement : undefined;
    const span = this.hub.startSpan(series.spanName, this.kind, series.attributes as Record<string, string>, parent);
    if (span !== undefined && text !== undefined) span.setAttribute('db.query.text', text);
    return new Watch(this, series, span, parent, text);
  }

  /** Records an ended call: metrics, the slow log, the slowest list. */
  record(series: OpSeries, ms: number, code: string | undefined, watch: Watch): void {
    const { hub } = this;
    const seconds = ms / 1000;
    const otel = hub.otel;
    if (otel !== undefined) otel.duration.record(seconds, code === undefined ? series.ok : series.failed);
    if (hub.config.prometheus) {
      if (code === undefined) (series.promOk ??= this.promSeries(series.op, 'ok')).observe(seconds);
      else (series.promFailed ??= this.promSeries(series.op, 'error')).observe(seconds);
    }
    if (code !== undefined) {
      const counted = series.errors.get(code) ?? this.errorSeries(series, code);
      otel?.errors.add(1, counted.attributes);
      counted.prom?.add();
    }
    if (this.slowMs !== undefined && ms >= this.slowMs) this.slow(series, ms, code, watch);
    if (ms > hub.slowest.floor) hub.slowest.offer(this.slowCall(series, ms, code, watch));
  }

  private slow(series: OpSeries, ms: number, code: string | undefined, watch: Watch): void {
    const { hub, target } = this;
    const labels = [target.interface, target.instance, target.adapter, series.op];
    hub.otel?.slow.add(1, series.attributes);
    hub.registry.counter('keel_operation_slow', "Calls at or over their interface's slowMs.", callLabels, labels).add();
    const { traceId, spanId } = watch;
    hub.logger.warn(
      {
        interface: target.interface,
        operation: series.op,
        adapter: target.adapter,
        instance: target.instance,
        durationMs: Math.round(ms * 1000) / 1000,
        thresholdMs: this.slowMs,
        outcome: code === undefined ? 'ok' : 'error',
        ...(code === undefined ? {} : { errorCode: code }),
        ...(traceId === undefined ? {} : { trace_id: traceId, span_id: spanId }),
        ...(watch.statement === undefined ? {} : { statement: watch.statement }),
      },
      `slow ${target.interface} ${series.op}`,
    );
  }

  private slowCall(series: OpSeries, ms: number, code: string | undefined, watch: Watch): SlowCall {
    const { target } = this;
    return {
      interface: target.interface,
      operation: series.op,
      adapter: target.adapter,
      instance: target.instance,
      durationMs: ms,
      startedAt: performance.timeOrigin + watch.t0,
      outcome: code === undefined ? 'ok' : 'error',
      ...(code === undefined ? {} : { errorCode: code }),
      ...(watch.traceId === undefined ? {} : { traceId: watch.traceId, spanId: watch.spanId as string }),
      ...(watch.statement === undefined ? {} : { statement: watch.statement }),
    };
  }

  private series(op: string): OpSeries {
    const { target } = this;
    const attributes = {
      'keel.interface': target.interface,
      'keel.operation': op,
      'keel.adapter': target.adapter,
      'keel.instance': target.instance,
    };
    const series: OpSeries = {
      op,
      spanName: `${target.interface} ${op}`,
      attributes,
      ok: { ...attributes, 'keel.outcome': 'ok' },
      failed: { ...attributes, 'keel.outcome': 'error' },
      promOk: undefined,
      promFailed: undefined,
      errors: new Map(),
    };
    this.ops.set(op, series);
    return series;
  }

  private promSeries(op: string, outcome: 'ok' | 'error'): HistogramSeries {
    const { target, hub } = this;
    return hub.registry.histogram(
      'keel_operation_duration_seconds',
      "Duration of the calls Keel observes: contract calls through core's guard, transactions, component calls.",
      [...callLabels, 'outcome'],
      [target.interface, target.instance, target.adapter, op, outcome],
    );
  }

  private errorSeries(series: OpSeries, code: string) {
    const { target, hub } = this;
    const counted = {
      attributes: { ...series.attributes, 'keel.error.code': code },
      prom: hub.config.prometheus
        ? hub.registry.counter(
            'keel_operation_errors',
            'Calls that ended in an Err, by error code.',
            [...callLabels, 'code'],
            [target.interface, target.instance, target.adapter, series.op, code],
          )
        : undefined,
    };
    series.errors.set(code, counted);
    return counted;
  }
}

/** A call being watched; `end` records it. */
export class Watch implements CallWatch {
  readonly t0 = performance.now();
  readonly context: Context | undefined;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  private ended = false;

  constructor(
    private readonly observer: CallObserver,
    private readonly series: OpSeries,
    private readonly span: Span | undefined,
    parent: Context | undefined,
    readonly statement: string | undefined,
  ) {
    if (span === undefined) {
      this.context = undefined;
      this.traceId = undefined;
      this.spanId = undefined;
    } else {
      const { traceId, spanId } = span.spanContext();
      this.traceId = traceId;
      this.spanId = spanId;
      this.context = trace.setSpan(parent ?? context.active(), span);
    }
  }

  set(key: string, value: string | number | boolean): void {
    this.span?.setAttribute(key, value);
  }

  within<T>(fn: () => T): T {
    return this.context === undefined ? fn() : context.with(this.context, fn);
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const ms = performance.now() - this.t0;
    const code = error === undefined ? undefined : codeOf(error);
    const { span } = this;
    if (span !== undefined) {
      if (code === undefined) span.setAttribute('keel.outcome', 'ok');
      else {
        span.setAttributes({ 'keel.outcome': 'error', 'keel.error.code': code, 'error.type': code });
        // The code, not the message: a message may quote a key or a value.
        span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      }
      span.end();
    }
    this.observer.record(this.series, ms, code, this);
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'INTERNAL';
}
