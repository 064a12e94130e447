import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Keel } from '../../src/index.js';
import { parsePrometheus, pick } from './prometheus-parse.js';
import { collectingLogger, startApp, useContextManager } from './support.js';

beforeAll(useContextManager);
const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** A tiny OTLP/HTTP receiver on 127.0.0.1: keeps every JSON body posted to /v1/traces. */
async function receiver(answer?: (req: IncomingMessage, res: ServerResponse) => void) {
  const bodies: OtlpTraces[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (answer) return answer(req, res);
      expect(req.url).toBe('/v1/traces');
      expect(req.headers['content-type']).toBe('application/json');
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, bodies, server };
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}
interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: OtlpAttribute[];
}
interface OtlpTraces {
  resourceSpans: { scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
}

const exporting = (url: string, timeoutMillis = 10_000) =>
  new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url, timeoutMillis }), { scheduledDelayMillis: 20 }),
    ],
  });

/** Waits for a condition the test cannot time: an export that fails in the background. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('a real OTLP/HTTP export', () => {
  it('reaches a collector as OTLP JSON: the transaction with its statements, attributes on, parameters off', async () => {
    const collector = await receiver();
    const tracerProvider = exporting(collector.url);
    const keel = await startApp({}, { tracerProvider });
    expectOk(await keel.sql.execute('CREATE TABLE t (secret TEXT)'));
    expectOk(await keel.sql.transaction((tx) => tx.execute('INSERT INTO t VALUES (?)', ['s3cret-value'])));
    await keel.close();
    await tracerProvider.forceFlush();
    const scopes = collector.bodies.flatMap((b) => b.resourceSpans.flatMap((r) => r.scopeSpans));
    expect(new Set(scopes.map((s) => s.scope.name))).toEqual(new Set(['@keel/core']));
    const spans = scopes.flatMap((s) => s.spans);
    const transaction = spans.find((s) => s.name === 'sql transaction') as OtlpSpan;
    const children = spans.filter((s) => s.parentSpanId === transaction.spanId).map((s) => s.name);
    expect(children.sort()).toEqual(['sql begin', 'sql commit', 'sql execute']);
    const attribute = (s: OtlpSpan, key: string) => s.attributes.find((a) => a.key === key)?.value.stringValue;
    expect(attribute(transaction, 'keel.interface')).toBe('sql');
    expect(attribute(transaction, 'keel.transaction.outcome')).toBe('committed');
    expect(JSON.stringify(collector.bodies)).not.toContain('s3cret-value');
    await tracerProvider.shutdown();
  });
});

describe('a collector that fails', () => {
  async function appLoggingTo(url: string, timeoutMillis?: number) {
    const logged = collectingLogger();
    const tracerProvider = exporting(url, timeoutMillis);
    const keel = (await startApp(
      { observability: { prometheus: true } },
      { tracerProvider, logger: logged.logger },
    )) as Keel;
    return { keel, tracerProvider, logged };
  }
  const telemetryErrors = async (keel: Keel) =>
    pick(parsePrometheus(await keel.observability.metricsText()).samples, 'keel_telemetry_errors_total')[0]?.value;

  it('unreachable: calls go on, each failed export is logged and counted', async () => {
    const closed = await receiver();
    await new Promise((resolve) => closed.server.close(resolve)); // nothing listens there any more
    // The exporter retries a refused connection until its timeout: keep that short here.
    const { keel, tracerProvider, logged } = await appLoggingTo(closed.url, 300);
    for (let i = 0; i < 200; i++) expectOk(await keel.kv.set(`k${i}`, i));
    // Spans are still made (and their ids kept for slow calls) while nothing can be delivered.
    expect(keel.observability.slowest(1)[0]?.spanId).toMatch(/^[0-9a-f]{16}$/);
    await until(() => logged.lines.some((l) => l.level === 'error' && l.fields.source === 'opentelemetry'));
    expect(await telemetryErrors(keel)).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 200; i++) expectOk(await keel.kv.get(`k${i}`));
    await keel.close();
    await tracerProvider.shutdown().catch(() => undefined);
  });

  it('hanging: calls never wait for the export, which times out as a logged, counted failure', async () => {
    const hanging = await receiver(() => undefined); // reads the request, never answers
    const { keel, tracerProvider, logged } = await appLoggingTo(hanging.url, 100);
    for (let i = 0; i < 200; i++) expectOk(await keel.sql.query('SELECT ?', [i]));
    await until(() => logged.lines.some((l) => l.level === 'error' && l.fields.source === 'opentelemetry'));
    expect(await telemetryErrors(keel)).toBeGreaterThanOrEqual(1);
    await keel.close();
    hanging.server.closeAllConnections();
    await tracerProvider.shutdown().catch(() => undefined);
  });

  it('a malformed endpoint is a clear error where the SDK is set up, before any call', () => {
    expect(() => new OTLPTraceExporter({ url: 'not a url' })).toThrow(/Could not parse user-provided export URL/);
  });
});
