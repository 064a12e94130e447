import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import { sqliteAdapter } from '@keel/adapter-sqlite';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createKeel, createObservability, type Keel, type KeelLogger, type LogFields } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryExecutionLog, createWasmHost } from '../src/index.js';
import { fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(async () => {
  cache.remove();
  await tracerProvider.shutdown();
});

const insert = 'INSERT INTO notes (body) VALUES (?)';
const count = 'SELECT count(*) FROM notes';
const KV_ACCESS_DENIED = 106;

const lines: { level: string; fields: LogFields; message?: string }[] = [];
const logger: KeelLogger = (() => {
  const make = (bindings: LogFields): KeelLogger => {
    const at = (level: string) => (fields: LogFields, message?: string) =>
      void lines.push({ level, fields: { ...bindings, ...fields }, ...(message === undefined ? {} : { message }) });
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (b) => make({ ...bindings, ...b }),
    };
  };
  return make({});
})();

async function app(observability: { enabled?: boolean } = {}): Promise<Keel> {
  const keel = (
    await createKeel(
      {
        kv: { adapter: 'memory' },
        sql: { adapter: 'sqlite', options: { filename: ':memory:' } },
        observability: { prometheus: true, ...observability },
      },
      { adapters: [memoryKvAdapter, sqliteAdapter], env: false, tracerProvider, logger },
    )
  )._unsafeUnwrap() as Keel;
  expectOk(await keel.sql.executeScript('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)'));
  return keel;
}

const named = (name: string) => spans.getFinishedSpans().filter((s) => s.name === name);
const childrenOf = (span: ReadableSpan) =>
  spans.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId);

describe('spans of a load', () => {
  it('is one span with the transpile, compile and instantiate phases as children', async () => {
    const keel = await app();
    spans.reset();
    const host = createWasmHost(keel, { cacheDir: cache.dir });
    const c = expectOk(await host.load(fixture('pure').bytes, { id: 'pure' }));
    const [load] = named('wasm load');
    expect(load?.attributes).toMatchObject({
      'keel.wasm.component': 'pure',
      'keel.wasm.hash': c.hash,
      'keel.wasm.mode': 'isolated',
      'keel.outcome': 'ok',
    });
    expect(childrenOf(load as ReadableSpan).map((s) => s.name)).toEqual([
      'wasm transpile',
      'wasm compile',
      'wasm instantiate',
    ]);
    expect(named('wasm transpile')[0]?.attributes['keel.wasm.artifact_source']).toBe(c.loadedFrom);
    await host.close();
    await keel.close();
  });

  it('ends with the error code of a load that fails', async () => {
    const keel = await app();
    spans.reset();
    const host = createWasmHost(keel, { cacheDir: cache.dir });
    expectErr(await host.load(fixture('pure').bytes, { sha256: '0'.repeat(64) }), 'HASH_MISMATCH');
    expect(named('wasm load')[0]?.attributes['keel.error.code']).toBe('HASH_MISMATCH');
    await host.close();
    await keel.close();
  });
});

describe.each(['in-thread', 'isolated'] as const)('a component call (%s)', (mode) => {
  it('has each host call as a child span, and the adapter call under it', async () => {
    const keel = await app();
    const host = createWasmHost(keel, { cacheDir: cache.dir, mode });
    const kvGuest = expectOk(
      await host.load(fixture('kv-guest').bytes, {
        id: 'notes',
        grants: { kv: { prefix: 'n:' } },
        limits: { maxFuel: 1_000_000 },
      }),
    );
    spans.reset();
    expect(expectOk(await kvGuest.call('put', 'a', 'b'))).toBe(0);
    const [call] = named('wasm put');
    expect(call?.attributes).toMatchObject({
      'keel.interface': 'wasm',
      'keel.operation': 'put',
      'keel.instance': 'notes',
      'keel.adapter': mode,
      'keel.wasm.component': 'notes',
      'keel.wasm.host_calls': 1,
      'keel.wasm.denied_calls': 0,
      'keel.outcome': 'ok',
    });
    expect(call?.attributes['keel.wasm.memory_pages']).toBeGreaterThan(0);
    expect(call?.attributes['keel.wasm.fuel_used']).toBeGreaterThan(0);
    const [hostCall] = childrenOf(call as ReadableSpan);
    expect(hostCall?.name).toBe('wasm host kv.set');
    expect(childrenOf(hostCall as ReadableSpan).map((s) => [s.name, s.attributes['keel.instance']])).toEqual([
      ['kv set', 'default'],
    ]);
    await host.close();
    await keel.close();
  });

  it('nests a transaction the guest runs: component → host call → transaction → statements', async () => {
    const keel = await app();
    const host = createWasmHost(keel, { cacheDir: cache.dir, mode });
    const grants = { sql: { access: 'read-write', statements: { [insert]: insert, [count]: count } } } as const;
    const c = expectOk(await host.load(fixture('sql-guest').bytes, { id: 'writer', grants }));
    spans.reset();
    expect(expectOk(await c.call('add-twice', 'x', true))).toBe(0);
    const [call] = named('wasm add-twice');
    const hostCalls = childrenOf(call as ReadableSpan);
    // Dropping a resource is traced too, but is not a counted host call.
    expect(hostCalls.filter((s) => !s.name.endsWith('.drop')).length).toBe(call?.attributes['keel.wasm.host_calls']);
    const begin = hostCalls.find((s) => s.name === 'wasm host sql.begin') as ReadableSpan;
    const [transaction] = childrenOf(begin);
    expect(transaction?.name).toBe('sql transaction');
    expect(childrenOf(transaction as ReadableSpan).map((s) => s.name)).toEqual([
      'sql begin',
      'sql execute',
      'sql execute',
      'sql commit',
    ]);
    expect(new Set(spans.getFinishedSpans().map((s) => s.spanContext().traceId)).size).toBe(1);
    await host.close();
    await keel.close();
  });

  it('counts executions and denials, and logs a denial through the app logger', async () => {
    const keel = await app();
    const host = createWasmHost(keel, { cacheDir: cache.dir, mode });
    const c = expectOk(
      await host.load(fixture('kv-guest').bytes, { id: 'reader', grants: { kv: { readOnly: true } } }),
    );
    spans.reset();
    expect(expectOk(await c.call('put', 'k', 'w'))).toBe(KV_ACCESS_DENIED);
    expect(named('wasm host kv.set')[0]?.attributes['keel.error.code']).toBe('ACCESS_DENIED');
    expect(named('wasm put')[0]?.attributes['keel.wasm.denied_calls']).toBe(1);
    const text = await keel.observability.metricsText();
    expect(text).toContain('keel_wasm_denials_total{component="reader",interface="kv",function="set"} 1');
    expect(text).toContain('keel_wasm_executions_total{component="reader",export="put",outcome="ok"} 1');
    expect(lines.some((l) => l.message === 'denied a host call' && l.fields.component === 'reader')).toBe(true);
    await host.close();
    await keel.close();
  });

  it('counts fuel by export, loads by where the artifact came from, and refused bytes as security alerts', async () => {
    const keel = await app();
    const log = createMemoryExecutionLog();
    const host = createWasmHost(keel, {
      cacheDir: cache.dir,
      mode,
      executionLog: log,
      limits: { maxFuel: 10_000_000 },
    });
    const burn = expectOk(await host.load(fixture('burn').bytes, { id: 'burner' }));
    expectOk(await host.load(fixture('burn').bytes, { id: 'burner-again' }));
    expectOk(await burn.call('work', 100));
    expectOk(await burn.call('work', 100));
    const used = log.records().at(-1)?.fuelUsed as number;
    expect(used).toBeGreaterThan(0);
    const pure = fixture('pure').bytes;
    expectErr(await host.load(pure, { sha256: '0'.repeat(64) }), 'HASH_MISMATCH');
    const { privateKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519').publicKey;
    expectErr(await host.load(pure, { signature: sign(null, pure, privateKey), publicKey: other }), 'BAD_SIGNATURE');
    const text = await keel.observability.metricsText();
    // Both calls used the same fuel: the counter holds their sum.
    expect(text).toContain(`keel_wasm_fuel_total{component="burner",export="work"} ${2 * used}`);
    expect(text).toContain('keel_wasm_loads_total{source="memory"} 1');
    // One transpiled artifact (both loads are the same bytes) in this host's memory cache.
    expect(text).toMatch(/keel_wasm_cache_entries\{host="\d+"\} 1\n/);
    expect(text).toMatch(/keel_wasm_loads_total\{source="(disk|transpiled)"\} 1/);
    expect(text).toContain('keel_wasm_security_alerts_total{reason="hash_mismatch"} 1');
    expect(text).toContain('keel_wasm_security_alerts_total{reason="bad_signature"} 1');
    await host.close();
    await keel.close();
  });

  it('marks a trapping call with its code', async () => {
    const keel = await app();
    const host = createWasmHost(keel, { cacheDir: cache.dir, mode });
    const c = expectOk(await host.load(fixture('trap').bytes, { id: 'trap' }));
    spans.reset();
    expectErr(await c.call('divide', 1, 0), 'TRAP');
    expect(named('wasm divide')[0]?.attributes).toMatchObject({ 'keel.outcome': 'error', 'keel.error.code': 'TRAP' });
    expect(await keel.observability.metricsText()).toContain(
      'keel_wasm_executions_total{component="trap",export="divide",outcome="error"} 1',
    );
    await host.close();
    await keel.close();
  });
});

describe('without observation', () => {
  it('records nothing when the app has it off, and the component still runs', async () => {
    const keel = await app({ enabled: false });
    spans.reset();
    const host = createWasmHost(keel, { cacheDir: cache.dir });
    const c = expectOk(await host.load(fixture('kv-guest').bytes, { grants: { kv: {} } }));
    expect(expectOk(await c.call('put', 'a', 'b'))).toBe(0);
    expect(spans.getFinishedSpans()).toEqual([]);
    await host.close();
    await keel.close();
  });

  it('observes a host over plain adapters given createObservability', async () => {
    spans.reset();
    const kv = createMemoryKv();
    const host = createWasmHost(
      { kv },
      { cacheDir: cache.dir, observability: createObservability({}, { tracerProvider }) },
    );
    const c = expectOk(await host.load(fixture('kv-guest').bytes, { id: 'plain', grants: { kv: {} } }));
    expect(expectOk(await c.call('put', 'a', 'b'))).toBe(0);
    // The component and its host call are traced; the plain adapter is not the app's, so not observed.
    expect(childrenOf(named('wasm put')[0] as ReadableSpan).map((s) => s.name)).toEqual(['wasm host kv.set']);
    expect(named('kv set')).toEqual([]);
    await host.close();
    await kv.close();
  });
});
