import { createObservability } from '@keel/core';
import { expectErr, expectOk, ManualClock } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/index.js';
import { type LocalServer, startLocalServer } from './support/local-server.js';

let server: LocalServer;
let failing = true;
const stalled: Array<() => void> = [];
beforeAll(async () => {
  server = await startLocalServer((req, res) => {
    if (req.url === '/flaky') {
      res.writeHead(failing ? 500 : 200).end(failing ? 'down' : 'up');
      return;
    }
    if (req.url === '/teapot') {
      res.writeHead(418).end();
      return;
    }
    // Never answers (headers), or sends headers and stalls the body: until the test ends.
    if (req.url === '/no-headers') stalled.push(() => res.end());
    if (req.url === '/stalled-body') {
      res.writeHead(200, { 'content-length': '10' });
      res.write('12345');
      stalled.push(() => res.end('67890'));
    }
  });
});
afterAll(async () => {
  for (const end of stalled) end();
  await server.close();
});

describe('timeouts', () => {
  const http = () =>
    createHttpClient({
      allow: [`http://127.0.0.1:${server.port}`],
      timeoutMs: 100,
      retry: { maxAttempts: 2, sleep: async () => undefined },
      circuitBreaker: false,
    });

  it('ends a try whose headers do not come within timeoutMs, and retries a GET', async () => {
    const before = server.seen.length;
    const error = expectErr(await http().get(`${server.origin}/no-headers`), 'TIMEOUT');
    expect([error.attempts, server.seen.length - before]).toEqual([2, 2]);
  });

  it('ends a try whose body stalls', async () => {
    expectErr(await http().get(`${server.origin}/stalled-body`, { timeoutMs: 50 }), 'TIMEOUT');
  });

  it("stops at once on the caller's signal", async () => {
    const controller = new AbortController();
    const pending = http().get(`${server.origin}/no-headers`, { timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = expectErr(await pending, 'ABORTED');
    expect(error.attempts).toBe(1);
  });
});

describe('the circuit breaker', () => {
  it('opens after consecutive 5xx, fails fast without calling, and recovers through one half-open trial', async () => {
    const clock = new ManualClock(0);
    const observability = createObservability({ prometheus: true });
    const http = createHttpClient(
      { observability },
      {
        allow: [`http://127.0.0.1:${server.port}`],
        retry: false,
        circuitBreaker: { failureThreshold: 3, resetAfterMs: 10_000 },
        clock,
      },
    );
    const url = `${server.origin}/flaky`;
    const calls = () => server.seen.filter((s) => s.path === '/flaky').length;
    failing = true;
    for (let i = 0; i < 3; i++) expectErr(await http.get(url), 'HTTP_STATUS');
    expect(http.circuitState(url)).toBe('open');
    clock.advance(4000);
    const refused = expectErr(await http.get(url), 'CIRCUIT_OPEN');
    expect([refused.retryAfterMs, calls()]).toEqual([6000, 3]);
    expect(await observability.metricsText()).toMatch(/keel_http_circuit\{host="127\.0\.0\.1:\d+"\} 2/);

    clock.advance(6000);
    expect(http.circuitState(url)).toBe('half-open');
    // A failed trial opens it again at once.
    expectErr(await http.get(url), 'HTTP_STATUS');
    expect([http.circuitState(url), calls()]).toEqual(['open', 4]);

    clock.advance(10_000);
    failing = false;
    // One trial at a time: a second request while it is out is refused.
    const [trial, second] = await Promise.all([http.get(url), http.get(url)]);
    expect(expectOk(trial).text()).toBe('up');
    expectErr(second, 'CIRCUIT_OPEN');
    expect(http.circuitState(url)).toBe('closed');
    expect(expectOk(await http.get(url)).status).toBe(200);
    const text = await observability.metricsText();
    expect(text).toMatch(/keel_http_circuit\{host="127\.0\.0\.1:\d+"\} 0/);
    expect(text).toMatch(
      /keel_http_requests_total\{host="127\.0\.0\.1:\d+",method="GET",outcome="HTTP_STATUS",status="500"\} 4/,
    );
    expect(text).toMatch(
      /keel_http_requests_total\{host="127\.0\.0\.1:\d+",method="GET",outcome="CIRCUIT_OPEN",status=""\} 2/,
    );
    expect(text).toMatch(
      /keel_http_requests_total\{host="127\.0\.0\.1:\d+",method="GET",outcome="ok",status="200"\} 2/,
    );
    expect(text).toMatch(/keel_http_duration_count\{host="127\.0\.0\.1:\d+",outcome="ok"\} 2/);
    http.close();
  });

  it('counts a 4xx as an answer, not a failure', async () => {
    const http = createHttpClient({
      allow: [`http://127.0.0.1:${server.port}`],
      retry: false,
      circuitBreaker: { failureThreshold: 1 },
    });
    for (let i = 0; i < 3; i++) expectErr(await http.get(`${server.origin}/teapot`), 'HTTP_STATUS');
    expect(http.circuitState(server.origin)).toBe('closed');
  });

  it('does not retry into an open circuit, and counts retries', async () => {
    const observability = createObservability({ prometheus: true });
    const http = createHttpClient(
      { observability },
      {
        allow: [`http://127.0.0.1:${server.port}`],
        retry: { maxAttempts: 5, sleep: async () => undefined },
        circuitBreaker: { failureThreshold: 2 },
      },
    );
    failing = true;
    const error = expectErr(await http.get(`${server.origin}/flaky`), 'CIRCUIT_OPEN');
    expect(error.attempts).toBe(3);
    expect(await observability.metricsText()).toMatch(/keel_http_retries_total\{host="127\.0\.0\.1:\d+"\} 2/);
  });
});
