import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryExecutionLog, createWasmHost } from '../src/index.js';
import { grantAllows } from '../src/host/http-grant.js';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
let server: Server;
let authority: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  authority = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  cache.remove();
});

// http-guest returns the status, or 1000 + the error-code case when the request is refused.
const HTTP_REQUEST_DENIED = 1003;

describe('outgoing HTTP', () => {
  it('goes out only to hosts on the allow-list (isolated: the worker asks the host thread)', async () => {
    const logger = collectingLogger();
    const log = createMemoryExecutionLog();
    const host = createWasmHost({}, { cacheDir: cache.dir, logger, executionLog: log, limits: { timeoutMs: 10_000 } });
    const guest = fixture('http-guest');
    const allowed = expectOk(
      await host.load(guest.bytes, { id: 'allowed', grants: { http: [`http://${authority}`] } }),
    );
    const otherPort = expectOk(
      await host.load(guest.bytes, { id: 'other-port', grants: { http: ['http://127.0.0.1:1'] } }),
    );
    const none = expectOk(await host.load(guest.bytes, { id: 'none' }));
    expect(expectOk(await allowed.call('get', authority, '/hello'))).toBe(204);
    expect(expectOk(await otherPort.call('get', authority, '/nope'))).toBe(HTTP_REQUEST_DENIED);
    expect(expectOk(await none.call('get', authority, '/nope'))).toBe(HTTP_REQUEST_DENIED);
    expect(requests).toEqual(['GET /hello']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const denied = logger.lines
      .filter((l) => l.message === 'denied a host call')
      .map((l) => [l.fields.component, l.fields.interface, l.fields.reason]);
    expect(denied).toEqual([
      ['other-port', 'wasi:http', `http://${authority} is not on the allow-list`],
      ['none', 'wasi:http', `http://${authority} is not on the allow-list`],
    ]);
    expect(log.records().map((r) => [r.component, r.deniedCalls, r.hostCalls['wasi:http/outgoing-handler']])).toEqual([
      ['allowed', 0, 1],
      ['other-port', 1, 1],
      ['none', 1, 1],
    ]);
    await host.close();
  });

  // In-thread, preview2-shim's synchronous HTTP blocks this thread, where the test's server runs,
  // so these requests aim at port 1, where nothing listens: one let through by mistake fails
  // fast with a connection error instead of being refused, and nothing hangs.
  it('refuses hosts off the allow-list in-thread too', async () => {
    const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode: 'in-thread' });
    const guest = fixture('http-guest');
    const load = async (id: string) =>
      expectOk(await host.load(guest.bytes, { id, grants: { http: ['http://127.0.0.1:2'] } }));
    expect(expectOk(await (await load('other-port')).call('get', '127.0.0.1:1', '/nope'))).toBe(HTTP_REQUEST_DENIED);
    const dressedUp = await load('dressed-up');
    expect(expectOk(await dressedUp.call('get', '127.0.0.1:2@127.0.0.1:1', '/nope'))).toBe(HTTP_REQUEST_DENIED);
    await host.close();
  });
});

describe("grantAllows (@keel/http-client's allow-list on wasi:http's scheme and authority)", () => {
  it('matches scheme, host and port exactly, and *.domain for subdomains', () => {
    const allows = grantAllows([
      'api.example.com',
      'http://localhost:8080',
      '*.internal.example',
      'https://pay.example.com:8443',
    ]);
    expect(allows('https', 'api.example.com')).toBe(true);
    expect(allows('https', 'api.example.com:443')).toBe(true);
    expect(allows('http', 'api.example.com')).toBe(false);
    expect(allows('https', 'api.example.com:8443')).toBe(false);
    expect(allows('https', 'evil-api.example.com')).toBe(false);
    expect(allows('http', 'localhost:8080')).toBe(true);
    expect(allows('http', 'localhost')).toBe(false);
    expect(allows('https', 'a.internal.example')).toBe(true);
    expect(allows('https', 'internal.example')).toBe(false);
    expect(allows('https', 'pay.example.com:8443')).toBe(true);
    expect(allows('https', undefined)).toBe(false);
    expect(() => grantAllows(['https://x.com/path'])).toThrow(TypeError);
    // An authority is host[:port]: a user name dressing one host up as another is refused.
    expect(allows('https', 'api.example.com@evil.example')).toBe(false);
    expect(allows('https', 'evil.example@api.example.com')).toBe(false);
    expect(allows('ftp', 'api.example.com')).toBe(false);
  });
});
