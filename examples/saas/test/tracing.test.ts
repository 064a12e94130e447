import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../src/app.js';
import { Client, eventually, newEmail } from './client.js';

// The app's SDK, as a real app registers one: spans follow awaits, and stay in memory here.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });

/** The span's ancestors, nearest first, among the finished spans. */
function ancestors(span: ReadableSpan, all: readonly ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(all.map((s) => [s.spanContext().spanId, s]));
  const chain: ReadableSpan[] = [];
  for (let parent = span.parentSpanContext?.spanId; parent !== undefined; ) {
    const next = byId.get(parent);
    if (!next) break;
    chain.push(next);
    parent = next.parentSpanContext?.spanId;
  }
  return chain;
}

describe('saas example traced (observability in its config)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ env: { KEEL_PROFILE: 'test' }, tracerProvider });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('follows a sign-up from its HTTP spans to the outbox deliveries of its mail', async () => {
    const client = new Client(app.url);
    await client.signup(newEmail('traced'), undefined, 'Traced');
    // The welcome mail is enqueued by the first sign-in (POST /api/login) and sent by the dispatcher.
    const deliveryUnder = (name: string) =>
      eventually(async () => {
        const all = spans.getFinishedSpans();
        const request = all.find((s) => s.name === name);
        return all.find((s) => s.name === 'email outbox deliver' && request && ancestors(s, all).at(-1) === request);
      });
    const welcome = await deliveryUnder('POST /api/login');
    const finished = spans.getFinishedSpans();
    const chain = ancestors(welcome, finished);
    expect(chain.at(-1)).toMatchObject({
      attributes: { 'http.route': '/api/login', 'http.request.method': 'POST', 'http.response.status_code': 200 },
    });
    expect(welcome.attributes).toMatchObject({ 'keel.email.outbox.outcome': 'sent' });
    // One trace, from the request through its transaction to the delivery, whose send is its child.
    expect(new Set([welcome, ...chain].map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(chain.map((s) => s.name)).toContain('sql transaction');
    expect(finished.some((s) => s.name === 'email send' && isChild(s, welcome))).toBe(true);
    // The verification mail's delivery continues the sign-up's trace the same way.
    await deliveryUnder('POST /api/signup');
  });

  it('records no request spans with traces off in the config (KEEL_OBSERVABILITY_TRACES=false)', async () => {
    const quiet = await startApp({ env: { KEEL_PROFILE: 'test', KEEL_OBSERVABILITY_TRACES: 'false' }, tracerProvider });
    try {
      spans.reset();
      expect((await new Client(quiet.url).get('/health')).status).toBe(200);
      await new Client(app.url).get('/health'); // the traced app, for contrast: its span ends after the answer
      const health = () => spans.getFinishedSpans().filter((s) => s.name === 'GET /health');
      await eventually(async () => (health().length > 0 ? true : undefined));
      expect(health()).toHaveLength(1);
    } finally {
      await quiet.close();
    }
  });
});

function isChild(span: ReadableSpan, parent: ReadableSpan): boolean {
  return span.parentSpanContext?.spanId === parent.spanContext().spanId;
}
