import { createRequire } from 'node:module';
import { metrics, trace } from '@opentelemetry/api';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, testSdk } from './support.js';

// The SDK's packages are CommonJS: they reach the API through `require`, a second copy beside the
// one core imports. Registering through it is what an app's `NodeSDK.start()` does.
const requiredApi = createRequire(import.meta.url)('@opentelemetry/api') as typeof import('@opentelemetry/api');
const sdk = testSdk();
afterAll(async () => {
  trace.disable();
  metrics.disable();
  await sdk.shutdown();
});

describe('the global OpenTelemetry SDK', () => {
  it('records nothing while no SDK is registered, then picks one up registered after createKeel', async () => {
    const keel = await startApp({});
    const sync = keel.kv.sync;
    if (!sync) throw new Error('memory kv has kv.sync');
    expectOk(await keel.kv.set('k', 'v'));
    expect(keel.observability.tracing).toBe(false);
    expect(keel.observability.slowest()).toEqual([]);

    requiredApi.trace.setGlobalTracerProvider(sdk.tracerProvider);
    requiredApi.metrics.setGlobalMeterProvider(sdk.meterProvider);
    // Found by the guard itself within 1024 calls, without anyone asking.
    for (let i = 0; i < 1100; i++) sync.get('k');
    expect(keel.observability.tracing).toBe(true);
    sdk.reset();
    expectOk(await keel.kv.get('k'));
    expect(sdk.finished().map((s) => s.name)).toEqual(['kv get']);
    expect((await sdk.points('keel.operation.duration')).length).toBeGreaterThan(0);

    // An app started now sees it at once; `refresh()` after the SDK was swapped finds the new one.
    const second = await startApp({});
    expect(second.observability.tracing).toBe(true);
    requiredApi.trace.disable();
    second.observability.refresh();
    expect(second.observability.tracing).toBe(false);
    await keel.close();
    await second.close();
  });
});
