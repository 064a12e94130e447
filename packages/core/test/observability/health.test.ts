import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { healthHandlers, type Keel } from '../../src/index.js';
import { startApp } from './support.js';

let server: Server | undefined;
afterEach(() => server?.close());

async function probes(keel: Keel, details?: (req: IncomingMessage) => boolean, timeoutMs?: number) {
  const handlers = healthHandlers(keel, { ...(details ? { details } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
  server = createServer((req, res) => {
    const run = req.url === '/ready' ? handlers.readiness : handlers.liveness;
    run(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
}

describe('readiness and liveness', () => {
  it('tells anyone only ok or not ok, and the reports only to callers allowed the details', async () => {
    const keel = await startApp({ sql: { adapter: 'sqlite', options: { filename: ':memory:' } } });
    const get = await probes(keel, (req) => req.headers['x-admin'] === 'yes');
    expect(await get('/ready')).toEqual({ status: 200, body: { ok: true } });
    const detailed = await get('/ready', { 'x-admin': 'yes' });
    expect(detailed.status).toBe(200);
    expect((detailed.body.instances as { interface: string }[]).map((i) => i.interface)).toEqual(['kv', 'sql']);
    await keel.kv.close();
    expect(await get('/ready')).toEqual({ status: 503, body: { ok: false } });
    expect(await get('/live')).toEqual({ status: 200, body: { ok: true } }); // an adapter down is not a dead process
    await keel.close();
    expect(await get('/live')).toEqual({ status: 503, body: { ok: false } });
  });

  it('answers not ready when a health check hangs past the timeout', async () => {
    const keel = await startApp({});
    const hanging = { health: () => new Promise<never>(() => undefined) } as unknown as Keel;
    const get = await probes(hanging, () => true, 50);
    expect(await get('/ready')).toEqual({
      status: 503,
      body: { ok: false, error: 'the health check took longer than 50 ms' },
    });
    await keel.close();
  });

  it('refuses a bad option at once', () => {
    expect(() => healthHandlers({ health: async () => [] }, { timeoutMs: 0 })).toThrow(TypeError);
  });
});
