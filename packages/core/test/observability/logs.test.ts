import { context, trace } from '@opentelemetry/api';
import { expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLogger, createKeel, silentLogger, withTraceIds, type Keel } from '../../src/index.js';
import { parsePrometheus, pick } from './prometheus-parse.js';
import { slowKvAdapter } from './slow-kv.js';
import { collectingLogger, testSdk, useContextManager } from './support.js';

const sdk = testSdk();
beforeAll(useContextManager);
afterAll(() => sdk.shutdown());

function lines() {
  const written: string[] = [];
  return {
    destination: { write: (line: string) => written.push(line) },
    read: () => written.map((l) => JSON.parse(l)),
  };
}

describe('the JSON-lines logger', () => {
  it("writes pino's line format from its level up, with a child's bindings", () => {
    const out = lines();
    const logger = createJsonLogger({ level: 'info', destination: out.destination });
    logger.debug({ hidden: true }, 'below the level');
    logger.child({ job: 'invoices' }).warn({ count: 3n, cause: new TypeError('bad') }, 'sent');
    const [line, ...rest] = out.read();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      level: 40,
      job: 'invoices',
      count: '3',
      cause: { type: 'TypeError', message: 'bad' },
      msg: 'sent',
    });
    expect(typeof line.time).toBe('number');
  });

  it('never throws on a value JSON cannot hold', () => {
    const out = lines();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    createJsonLogger({ destination: out.destination }).error({ cyclic }, 'still written');
    expect(out.read()[0]).toMatchObject({ cyclic: { self: '[circular]' }, msg: 'still written' });
  });

  it('adds the trace and span ids of the active span to each line, and nothing outside one', () => {
    const out = lines();
    const logger = withTraceIds(createJsonLogger({ destination: out.destination }));
    const span = sdk.tracerProvider.getTracer('test').startSpan('request');
    context.with(trace.setSpan(context.active(), span), () => logger.child({ user: 7 }).info({}, 'inside'));
    span.end();
    logger.info({}, 'outside');
    const [inside, outside] = out.read();
    expect(inside).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId, user: 7 });
    expect(outside.trace_id).toBeUndefined();
  });
});

describe('the logger of an app', () => {
  let keel: Keel;
  const collected = collectingLogger();
  beforeAll(async () => {
    keel = (
      await createKeel(
        { kv: { adapter: 'slow', options: { delayMs: 25 } }, observability: { slowMs: { kv: 5 }, prometheus: true } },
        { adapters: [slowKvAdapter], env: false, logger: collected.logger, tracerProvider: sdk.tracerProvider },
      )
    )._unsafeUnwrap() as Keel;
  });
  afterAll(() => keel.close());

  it('is silent unless given one', () => {
    expect(silentLogger.child({ a: 1 })).toBe(silentLogger);
  });

  it('is handed to adapters bound to their instance, so that they never write to the console', () => {
    expect(collected.lines.find((l) => l.message === 'slow kv built')?.fields).toMatchObject({
      interface: 'kv',
      instance: 'default',
      delayMs: 25,
    });
  });

  it('logs a slow call with its span, counts it, and lists it among the slowest', async () => {
    sdk.reset();
    expectOk(await keel.kv.set('fast', 'v'));
    expectOk(await keel.kv.get('fast'));
    const span = sdk.finished().find((s) => s.name === 'kv get');
    const warning = collected.lines.find((l) => l.message === 'slow kv get');
    expect(warning?.level).toBe('warn');
    expect(warning?.fields).toMatchObject({
      interface: 'kv',
      operation: 'get',
      adapter: 'slow',
      instance: 'default',
      thresholdMs: 5,
      outcome: 'ok',
      trace_id: span?.spanContext().traceId,
      span_id: span?.spanContext().spanId,
    });
    expect(warning?.fields.durationMs).toBeGreaterThanOrEqual(5);
    expect(collected.lines.some((l) => l.message === 'slow kv set')).toBe(false);
    const [slowest] = keel.observability.slowest(1);
    expect(slowest).toMatchObject({ operation: 'get', spanId: span?.spanContext().spanId, outcome: 'ok' });
    const { samples } = parsePrometheus(await keel.observability.metricsText());
    expect(pick(samples, 'keel_operation_slow_total', { operation: 'get' })[0]?.value).toBe(1);
    expect(pick(samples, 'keel_operation_slow_total', { operation: 'set' })).toEqual([]);
  });

  it('writes JSON lines to stderr when the config asks and no logger is given', async () => {
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write;
    try {
      const app = (
        await createKeel(
          { kv: { adapter: 'slow', options: { delayMs: 1 } }, observability: { log: 'stderr', logLevel: 'debug' } },
          { adapters: [slowKvAdapter], env: false },
        )
      )._unsafeUnwrap() as Keel;
      app.logger.debug({ step: 1 }, 'debugging');
      await app.close();
    } finally {
      process.stderr.write = write;
    }
    const records = written.map((l) => JSON.parse(l));
    expect(records.find((r) => r.msg === 'slow kv built')).toMatchObject({ level: 30, interface: 'kv' });
    expect(records.find((r) => r.msg === 'debugging')).toMatchObject({ level: 20, step: 1 });
  });
});
