import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeel, prometheusContentType, type Keel } from '../../src/index.js';
import { healthSamples } from '../../src/observability/health-gauges.js';
import { MetricRegistry } from '../../src/observability/metric-registry.js';
import { parsePrometheus, pick } from './prometheus-parse.js';
import { slowKvAdapter } from './slow-kv.js';
import { startApp, testSdk } from './support.js';

const sdk = testSdk();
afterAll(() => sdk.shutdown());

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('OpenTelemetry metrics', () => {
  it('records a duration per call and counts errors by code, per interface, operation, adapter and instance', async () => {
    const keel = await startApp({ observability: { buckets: [0.001, 0.1, 1] } }, { meterProvider: sdk.meterProvider });
    for (let i = 0; i < 3; i++) expectOk(await keel.kv.get(`k${i}`));
    expectErr(await keel.sql.query('SELECT * FROM missing'), 'QUERY');
    const durations = await sdk.points('keel.operation.duration');
    const gets = durations.find(
      (p) => p.attributes['keel.operation'] === 'get' && p.attributes['keel.interface'] === 'kv',
    );
    expect(gets?.attributes).toEqual({
      'keel.interface': 'kv',
      'keel.operation': 'get',
      'keel.adapter': 'memory',
      'keel.instance': 'default',
      'keel.outcome': 'ok',
    });
    const histogram = gets?.value as { count: number; buckets: { boundaries: number[] } };
    expect(histogram.count).toBe(3);
    // The config's buckets reach the SDK as advice.
    expect(histogram.buckets.boundaries).toEqual([0.001, 0.1, 1]);
    const errors = await sdk.points('keel.operation.errors');
    expect(errors).toEqual([
      {
        attributes: {
          'keel.interface': 'sql',
          'keel.operation': 'query',
          'keel.adapter': 'sqlite',
          'keel.instance': 'default',
          'keel.error.code': 'QUERY',
        },
        value: 1,
        startTime: expect.anything(),
        endTime: expect.anything(),
      },
    ]);
    await keel.close();
  });

  it('reads instance and pool gauges from health when the reader collects', async () => {
    const keel = await startApp({}, { meterProvider: sdk.meterProvider });
    const up = await sdk.points('keel.instance.up');
    expect(up.map((p) => [p.attributes['keel.interface'], p.value]).sort()).toEqual([
      ['kv', 1],
      ['sql', 1],
    ]);
    // The sqlite adapter reports the calls waiting for its connection in health.
    const waiting = await sdk.points('keel.pool.waiting');
    expect(waiting).toEqual([expect.objectContaining({ value: 0 })]);
    await keel.close();
  });
});

describe('the Prometheus endpoint', () => {
  it('is scraped over HTTP: every line parses, and the histogram counts the calls made', async () => {
    const keel = await startApp({ observability: { prometheus: true, buckets: [0.5, 5] } });
    for (let i = 0; i < 5; i++) expectOk(await keel.kv.set(`k${i}`, 'v'));
    expectErr(await keel.sql.execute('INSERT INTO nowhere VALUES (1)'), 'QUERY');
    const { url, server } = await serve((req, res) => void keel.observability.metricsHandler(req, res));
    try {
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(prometheusContentType);
      const { types, samples } = parsePrometheus(await res.text());
      expect(types.get('keel_operation_duration_seconds')).toBe('histogram');
      expect(types.get('keel_operation_errors_total')).toBe('counter');
      const sets = { interface: 'kv', operation: 'set', adapter: 'memory', instance: 'default', outcome: 'ok' };
      const buckets = pick(samples, 'keel_operation_duration_seconds_bucket', sets);
      expect(buckets.map((b) => b.labels.le)).toEqual(['0.5', '5', '+Inf']);
      const counts = buckets.map((b) => b.value);
      expect(counts).toEqual([...counts].sort((a, b) => a - b)); // cumulative
      expect(counts.at(-1)).toBe(5);
      expect(pick(samples, 'keel_operation_duration_seconds_count', sets)[0]?.value).toBe(5);
      expect(pick(samples, 'keel_operation_duration_seconds_sum', sets)[0]?.value).toBeGreaterThan(0);
      expect(pick(samples, 'keel_operation_errors_total', { operation: 'execute', code: 'QUERY' })[0]?.value).toBe(1);
      expect(pick(samples, 'keel_instance_up').map((s) => [s.labels.interface, s.value])).toEqual([
        ['kv', 1],
        ['sql', 1],
      ]);
      expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      server.close();
      await keel.close();
    }
  });

  it('shows only the health gauges while the in-process aggregation is off', async () => {
    const keel = await startApp({});
    expectOk(await keel.kv.get('k'));
    const { samples } = parsePrometheus(await keel.observability.metricsText());
    expect(pick(samples, 'keel_operation_duration_seconds_count')).toEqual([]);
    expect(pick(samples, 'keel_instance_up').length).toBe(2);
    await keel.close();
  });

  it('answers a scrape while a health check hangs, with what it knew', async () => {
    const keel = (
      await createKeel(
        { kv: { adapter: 'slow', options: { delayMs: 0, healthHangs: true } }, observability: { prometheus: true } },
        { adapters: [slowKvAdapter], env: false },
      )
    )._unsafeUnwrap() as Keel;
    expectOk(await keel.kv.get('k'));
    const { samples } = parsePrometheus(await keel.observability.metricsText());
    expect(pick(samples, 'keel_operation_duration_seconds_count', { operation: 'get' })[0]?.value).toBe(1);
    expect(pick(samples, 'keel_instance_up')).toEqual([]); // never answered: no reading to give
    await keel.close();
  });

  it('turns the pool figures an adapter reports in health into gauges, and skips what it does not report', () => {
    const pool = { interface: 'sql', name: 'main', adapter: 'postgres', ok: true, latencyMs: 1 };
    const samples = healthSamples([
      { ...pool, detail: { total: 10, idle: 7, waiting: 2 } },
      { ...pool, name: 'files', adapter: 'sqlite', detail: { filename: '/srv/app.db', pageCount: 12 } },
    ]);
    const labels = { interface: 'sql', instance: 'main', adapter: 'postgres' };
    expect(samples.filter((s) => s.labels.instance === 'main').map((s) => [s.name, s.labels, s.value])).toEqual([
      ['keel_instance_up', labels, 1],
      ['keel_pool_connections', { ...labels, state: 'total' }, 10],
      ['keel_pool_connections', { ...labels, state: 'idle' }, 7],
      ['keel_pool_connections', { ...labels, state: 'in_use' }, 3],
      ['keel_pool_waiting', labels, 2],
    ]);
    // Only the up gauge for an instance without pool figures; its file path goes nowhere.
    expect(samples.filter((s) => s.labels.instance === 'files').map((s) => s.name)).toEqual(['keel_instance_up']);
    expect(JSON.stringify(samples)).not.toContain('/srv/app.db');
  });

  it('escapes label values and writes special numbers as the format says', () => {
    const registry = new MetricRegistry([1]);
    registry.counter('odd', 'Odd labels.', ['v'], ['a "quoted"\nline \\ end']).add(2);
    registry.histogram('h', 'One.', [], []).observe(Number.POSITIVE_INFINITY);
    const { samples } = parsePrometheus(registry.render());
    expect(pick(samples, 'odd_total')[0]).toEqual({
      name: 'odd_total',
      labels: { v: 'a "quoted"\nline \\ end' },
      value: 2,
    });
    expect(pick(samples, 'h_sum')[0]?.value).toBe(Number.POSITIVE_INFINITY);
    expect(pick(samples, 'h_bucket', { le: '+Inf' })[0]?.value).toBe(1);
  });
});

describe('package gauges', () => {
  it('are read at each scrape and each collection, by label values; a failing one is left out and logged', async () => {
    const keel = await startApp({ observability: { prometheus: true } }, { meterProvider: sdk.meterProvider });
    let waiting = 3;
    const stop = keel.observability.gauge('keel.test.jobs', 'Jobs by state.', ['state'], async () => [
      [['waiting'], waiting],
      [['active'], 1],
    ]);
    const broken = keel.observability.gauge('keel.test.broken', 'Never readable.', [], () => {
      throw new Error('the store is down');
    });
    const scrape = async () => parsePrometheus(await keel.observability.metricsText()).samples;
    expect(pick(await scrape(), 'keel_test_jobs', { state: 'waiting' })).toEqual([
      expect.objectContaining({ value: 3 }),
    ]);
    waiting = 7;
    expect(pick(await scrape(), 'keel_test_jobs', { state: 'waiting' })).toEqual([
      expect.objectContaining({ value: 7 }),
    ]);
    expect(pick(await scrape(), 'keel_test_broken')).toEqual([]);
    const points = await sdk.points('keel.test.jobs');
    expect(points.map((p) => [p.attributes['keel.state'], p.value])).toEqual(
      expect.arrayContaining([
        ['waiting', 7],
        ['active', 1],
      ]),
    );
    stop();
    broken();
    expect(pick(await scrape(), 'keel_test_jobs')).toEqual([]);
    await keel.close();
  });
});
