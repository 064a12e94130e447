import { createObservability, type KeelObservability } from '@keel/core';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/**
 * An OpenTelemetry SDK of the test's own (spans kept in memory) and Keel observability recording
 * to it. A subpath of its own (`@keel/testing/tracing`): only tests that trace need the SDK.
 */
export function testTracing(): {
  readonly observability: KeelObservability;
  finished(): ReadableSpan[];
  shutdown(): Promise<void>;
} {
  // What an app's SDK set-up registers: the active span follows `await`s.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  return {
    observability: createObservability({}, { tracerProvider }),
    finished: () => spans.getFinishedSpans(),
    shutdown: async () => {
      await tracerProvider.shutdown();
      context.disable();
    },
  };
}
