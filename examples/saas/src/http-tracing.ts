import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Keel } from '@keel/core';
import { context, propagation, SpanKind, SpanStatusCode, trace, type TracerProvider } from '@opentelemetry/api';

/**
 * A server span per request (OpenTelemetry's HTTP conventions: `http.request.method`, `http.route`,
 * `http.response.status_code`), active while the route runs, so that Keel's spans (sql, kv, auth,
 * email) and what the request enqueues (the outbox's mail) belong to its trace. On when the
 * config's `observability` has `enabled` and `traces` (`KEEL_OBSERVABILITY_TRACES=false` turns it
 * off) and an SDK records: `tracerProvider`, or the one registered globally. An incoming
 * `traceparent` is continued when the app registered a propagator.
 *
 * @example
 * const traced = httpTracing(keel, tracerProvider);
 * createServer((req, res) => traced(req, res, () => handle(req, res)));
 */
export function httpTracing(keel: Keel, tracerProvider?: TracerProvider) {
  const { enabled, config } = keel.observability;
  const tracer = (tracerProvider ?? trace.getTracerProvider()).getTracer('@keel/example-saas');
  return (req: IncomingMessage, res: ServerResponse, route: string | undefined, handle: () => Promise<void>) => {
    if (!enabled || !config.traces) return handle();
    const method = req.method ?? 'GET';
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      route ? `${method} ${route}` : method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          'url.path': new URL(req.url ?? '/', 'http://localhost').pathname,
          ...(route ? { 'http.route': route } : {}),
        },
      },
      parent,
    );
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    return context.with(trace.setSpan(parent, span), handle);
  };
}
