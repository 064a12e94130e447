import { readFileSync } from 'node:fs';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createObservability } from '@keel/core';
import { createJobs, defineJob } from '@keel/jobs';
import { createWasmHost } from '@keel/wasm-host';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, expect, it } from 'vitest';

// One trace across the queue and the sandbox: a request enqueues a job, a worker runs it, and the
// job calls a component whose kv import the host serves — each span the child of the one before,
// with the trace context carried through the jobs table in between.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const observability = createObservability({}, { tracerProvider });
afterAll(async () => {
  await tracerProvider.shutdown();
  context.disable();
});

it('request → jobs enqueue → jobs run → the component call → its host call, in one trace', async () => {
  const sql = createSqliteSql({ filename: ':memory:' });
  const host = createWasmHost({ kv: createMemoryKv() }, { cacheDir: false, mode: 'in-thread', observability });
  const bytes = readFileSync(new URL('../../packages/wasm-host/fixtures/components/kv-guest.wasm', import.meta.url));
  const guest = (await host.load(bytes, { id: 'notes', grants: { kv: true } }))._unsafeUnwrap();
  const jobs = createJobs({ sql, pollIntervalMs: 5, observability, jobs: { 'note.save': defineJob() } });
  (await jobs.migrate())._unsafeUnwrap();
  jobs
    .work('note.save', async ({ payload }) => (await guest.call('put', 'note', String(payload)))._unsafeUnwrap())
    ._unsafeUnwrap();

  const request = observability.span('request');
  if (!request) throw new Error('tracing is on');
  const { id } = (await request.within(() => jobs.enqueue('note.save', 'hello')))._unsafeUnwrap();
  request.end();
  for (let i = 0; i < 2000 && (await jobs.status(id))._unsafeUnwrap().state !== 'completed'; i++)
    await new Promise((r) => setTimeout(r, 5));
  await jobs.close();
  await host.close();
  await sql.close();

  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === request.traceId);
  const byName = (prefix: string) => {
    const found = spans.find((s) => s.name.startsWith(prefix));
    if (!found) throw new Error(`no '${prefix}' span in ${spans.map((s) => s.name).join(', ')}`);
    return found;
  };
  const chain = ['request', 'jobs enqueue', 'jobs run', 'wasm put', 'wasm host kv.set'].map(byName);
  for (let i = 1; i < chain.length; i++)
    expect(chain[i]?.parentSpanContext?.spanId, chain[i]?.name).toBe(chain[i - 1]?.spanContext().spanId);
  expect(chain[3]?.attributes).toMatchObject({ 'keel.outcome': 'ok' });
});
