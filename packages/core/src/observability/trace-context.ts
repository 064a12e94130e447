import { context, createTraceState, isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';

/**
 * A trace context as text, to store with what is enqueued (a job, an event) and restore when it
 * runs: W3C Trace Context's `traceparent` and, when there is one, `tracestate`.
 */
export type TraceCarrier = Readonly<Record<string, string>>;

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The active span's context as a W3C `traceparent` (and `tracestate`): what a job or event
 * stores so that the work it starts later joins the same trace. `{}` when no span is active
 * (no OpenTelemetry SDK, or nothing traced right now).
 *
 * @example
 * await jobs.enqueue('send-invoice', { invoiceId, trace: captureTraceContext() });
 */
export function captureTraceContext(): TraceCarrier {
  const span = trace.getSpanContext(context.active());
  if (span === undefined || !isSpanContextValid(span)) return {};
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  const traceparent = `00-${span.traceId}-${span.spanId}-${flags}`;
  const state = span.traceState?.serialize();
  return state ? { traceparent, tracestate: state } : { traceparent };
}

/**
 * Runs `fn` as a continuation of the trace `carrier` came from (what `captureTraceContext`
 * returned, possibly in another process): spans started inside are children of the span that
 * was active when it was captured. A missing or malformed carrier runs `fn` as it is, in the
 * current context, since a lost trace must never stop the work. Returns what `fn` returns.
 *
 * @example
 * await runWithTraceContext(job.trace, () => sendInvoice(job.invoiceId));
 */
export function runWithTraceContext<T>(carrier: TraceCarrier | undefined, fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError('runWithTraceContext: expected a function');
  const match = typeof carrier?.traceparent === 'string' ? traceparentPattern.exec(carrier.traceparent) : null;
  if (match === null) return fn();
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  const restored = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(typeof carrier?.tracestate === 'string' && carrier.tracestate !== ''
      ? { traceState: createTraceState(carrier.tracestate) }
      : {}),
  };
  if (!isSpanContextValid(restored)) return fn();
  return context.with(trace.setSpanContext(context.active(), restored), fn);
}
