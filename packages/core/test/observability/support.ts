import { authAdapters } from '@keel/adapter-auth';
import { outboxAdapter } from '@keel/adapter-email';
import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import { sqliteAdapter } from '@keel/adapter-sqlite';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import type { CreateKeelOptions, Keel, KeelConfig, KeelLogger, LogFields } from '../../src/index.js';
import { createKeel } from '../../src/index.js';

/** The async-hooks context manager an app's SDK set-up registers: spans follow `await`s. */
export function useContextManager(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** An SDK of the test's own: spans kept in memory, metrics read on demand. */
export function testSdk() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    finished: (): ReadableSpan[] => spans.getFinishedSpans(),
    reset: () => spans.reset(),
    /** Every data point of a metric, collected now. */
    async points(name: string) {
      const { resourceMetrics } = await reader.collect();
      return metricPoints(resourceMetrics, name);
    },
    shutdown: () => Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]),
  };
}

function metricPoints(resource: ResourceMetrics, name: string) {
  const metric = resource.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: unknown }[];
}

/** A logger that keeps its lines, with the bindings of children merged in. */
export function collectingLogger() {
  const lines: { level: string; fields: LogFields; message: string | undefined }[] = [];
  const make = (bindings: LogFields): KeelLogger => {
    const line = (level: string) => (fields: LogFields, message?: string) =>
      lines.push({ level, fields: { ...bindings, ...fields }, message });
    return {
      debug: line('debug'),
      info: line('info'),
      warn: line('warn'),
      error: line('error'),
      child: (more: LogFields) => make({ ...bindings, ...more }),
    };
  };
  return { logger: make({}), lines };
}

export const allAdapters = [memoryKvAdapter, sqliteAdapter, outboxAdapter, ...authAdapters];

/** An app on real adapters (sqlite in memory, memory kv, the dev outbox, local auth) and the given observability. */
export async function startApp(
  config: Omit<KeelConfig, 'kv' | 'sql'> & Partial<KeelConfig>,
  options: CreateKeelOptions = {},
) {
  const started = await createKeel(
    { kv: { adapter: 'memory' }, sql: { adapter: 'sqlite', options: { filename: ':memory:' } }, ...config },
    { adapters: allAdapters, env: false, ...options },
  );
  return started._unsafeUnwrap() as Keel;
}

/** A span's parent span id. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
