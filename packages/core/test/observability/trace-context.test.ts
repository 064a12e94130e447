import { context, trace } from '@opentelemetry/api';
import { expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureTraceContext, runWithTraceContext, type TraceCarrier } from '../../src/index.js';
import { parentOf, startApp, testSdk, useContextManager } from './support.js';

const sdk = testSdk();
beforeAll(useContextManager);
afterAll(() => sdk.shutdown());
const tracer = sdk.tracerProvider.getTracer('test');

describe('trace context through a queue', () => {
  it('captures nothing outside a span', () => {
    expect(captureTraceContext()).toEqual({});
  });

  it('captures the active span as a W3C traceparent, and restores it as the parent of later work', async () => {
    sdk.reset();
    const keel = await startApp({}, { tracerProvider: sdk.tracerProvider });
    const request = tracer.startSpan('request', {}, undefined);
    // What a job queue does: store the carrier with the job, as text…
    const stored = JSON.stringify(context.with(trace.setSpan(context.active(), request), () => captureTraceContext()));
    request.end();
    expect(JSON.parse(stored).traceparent).toBe(
      `00-${request.spanContext().traceId}-${request.spanContext().spanId}-01`,
    );
    // …and restore it when the job runs, later, outside the request's context.
    await new Promise((resolve) => setImmediate(resolve));
    expect(trace.getSpan(context.active())).toBeUndefined();
    await runWithTraceContext(JSON.parse(stored), async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expectOk(await keel.kv.set('job', 'ran'));
    });
    await keel.close();
    const set = sdk.finished().find((s) => s.name === 'kv set');
    expect(set?.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(parentOf(set as never)).toBe(request.spanContext().spanId);
  });

  it('keeps tracestate, and runs the work as it is when the carrier is missing or malformed', () => {
    const span = tracer.startSpan('with state');
    const carrier = runWithTraceContext(
      { traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`, tracestate: 'vendor=abc' },
      () => captureTraceContext(),
    );
    expect(carrier.tracestate).toBe('vendor=abc');
    const malformed: (TraceCarrier | undefined)[] = [
      undefined,
      {},
      { traceparent: 'garbage' },
      { traceparent: `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01` },
    ];
    for (const bad of malformed) expect(runWithTraceContext(bad, () => captureTraceContext())).toEqual({});
    span.end();
  });
});
