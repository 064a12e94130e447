import { freePort } from '@keel/testing';
import { expectErr, expectOk, ManualClock } from '@keel/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/index.js';
import { type LocalServer, recordedSleep, startLocalServer } from './support/local-server.js';

/** Per path, how the n-th request is answered: a script of statuses, resets and headers. */
type Step = { status: number; headers?: Record<string, string> } | 'reset';
const scripts = new Map<string, Step[]>();

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer((req, res, _seen, _n) => {
    const script = scripts.get(req.url ?? '') ?? [];
    const step = script.shift() ?? { status: 200 };
    if (step === 'reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(step.status, step.headers).end(`status ${step.status}`);
  });
});
afterAll(() => server.close());

let paths = 0;
/** A fresh path answered by `steps` in turn, then 200. */
function scripted(...steps: Step[]): string {
  const path = `/s${paths++}`;
  scripts.set(path, steps);
  return `${server.origin}${path}`;
}
const hits = (url: string) => server.seen.filter((s) => url.endsWith(s.path)).length;

function client(retry: object = {}, clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))) {
  const recorded = recordedSleep(clock);
  const http = createHttpClient({
    allow: [`http://127.0.0.1:${server.port}`],
    retry: { sleep: recorded.sleep, random: () => 0, ...retry },
    circuitBreaker: false,
    clock,
  });
  return { http, waits: recorded.waits, clock };
}

describe('retries', () => {
  it('waits the Retry-After seconds of a 503, then succeeds', async () => {
    const { http, waits } = client();
    const url = scripted({ status: 503, headers: { 'retry-after': '2' } });
    const answer = expectOk(await http.get(url));
    expect([answer.status, answer.attempts, waits, hits(url)]).toEqual([200, 2, [2000], 2]);
  });

  it('reads Retry-After as an HTTP date against the clock', async () => {
    const { http, waits, clock } = client();
    const at = new Date(clock.now() + 7000).toUTCString();
    const url = scripted({ status: 429, headers: { 'retry-after': at } }, { status: 429 });
    expectOk(await http.get(url));
    // The date's wait, then a jittered backoff (random 0: no wait) for the 429 without one.
    expect(waits).toEqual([7000, 0]);
  });

  it('retries a reset connection for GET', async () => {
    const { http } = client();
    const url = scripted('reset', 'reset');
    const answer = expectOk(await http.get(url));
    expect([answer.attempts, hits(url)]).toEqual([3, 3]);
  });

  it('gives up after maxAttempts with the last error and the count', async () => {
    const { http } = client({ maxAttempts: 3 });
    const url = scripted({ status: 502 }, { status: 502 }, { status: 502 }, { status: 502 });
    const error = expectErr(await http.get(url), 'HTTP_STATUS');
    expect([error.status, error.body, error.attempts, hits(url)]).toEqual([502, 'status 502', 3, 3]);
    expect(error.message).toMatch(/gave up after 3 tries: no tries left/);
  });

  it('gives up rather than wait past maxElapsedMs for a long Retry-After', async () => {
    const { http, waits } = client({ maxElapsedMs: 5000 });
    const url = scripted({ status: 503, headers: { 'retry-after': '60' } });
    const error = expectErr(await http.get(url), 'HTTP_STATUS');
    expect([error.retryAfterMs, waits, hits(url)]).toEqual([60_000, [], 1]);
    expect(error.message).toMatch(/would pass maxElapsedMs/);
  });

  it('does not retry a POST without an idempotency key, nor a 4xx', async () => {
    const { http } = client();
    const post = scripted({ status: 503 });
    expect(expectErr(await http.post(post, 'x'), 'HTTP_STATUS').attempts).toBe(1);
    const reset = scripted('reset');
    expectErr(await http.post(reset, 'x'), 'NETWORK');
    const notFound = scripted({ status: 404 });
    expectErr(await http.get(notFound), 'HTTP_STATUS');
    expect([hits(post), hits(reset), hits(notFound)]).toEqual([1, 1, 1]);
  });

  it('retries a POST with an idempotency key, sending the key each time', async () => {
    const { http } = client();
    const url = scripted({ status: 503 }, 'reset');
    const answer = expectOk(await http.post(url, '{"a":1}', { idempotencyKey: 'order-7' }));
    expect(answer.attempts).toBe(3);
    const sent = server.seen.filter((s) => url.endsWith(s.path));
    expect(sent.map((s) => [s.method, s.headers['idempotency-key'], s.body])).toEqual([
      ['POST', 'order-7', '{"a":1}'],
      ['POST', 'order-7', '{"a":1}'],
      ['POST', 'order-7', '{"a":1}'],
    ]);
  });

  it('retries a refused connection for any method: nothing was sent', async () => {
    const port = await freePort();
    const recorded = recordedSleep();
    const http = createHttpClient({
      allow: [`http://127.0.0.1:${port}`],
      retry: { sleep: recorded.sleep, maxAttempts: 2 },
      circuitBreaker: false,
    });
    const error = expectErr(await http.post(`http://127.0.0.1:${port}/`, 'x'), 'NETWORK');
    expect(error.attempts).toBe(2);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('sends once with retry: false', async () => {
    const http = createHttpClient({ allow: [`http://127.0.0.1:${server.port}`], retry: false });
    const url = scripted({ status: 503 });
    expect(expectErr(await http.get(url), 'HTTP_STATUS').attempts).toBe(1);
    expect(hits(url)).toBe(1);
  });

  it('waits within the backoff bounds and never past the budget, whatever the policy and Retry-After', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          maxAttempts: fc.integer({ min: 1, max: 5 }),
          initialDelayMs: fc.integer({ min: 0, max: 1000 }),
          maxDelayMs: fc.integer({ min: 0, max: 5000 }),
          maxElapsedMs: fc.integer({ min: 0, max: 20_000 }),
          multiplier: fc.double({ min: 1, max: 4, noNaN: true }),
        }),
        fc.array(fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }), { minLength: 5, maxLength: 5 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        async (policy, retryAfters, r) => {
          const { http, waits } = client({ ...policy, random: () => r });
          const url = scripted(
            ...retryAfters.map(
              (s): Step => ({
                status: 503,
                headers: s === undefined ? {} : { 'retry-after': String(s) },
              }),
            ),
          );
          const result = await http.get(url);
          // Only the waits move the manual clock: the time spent is their sum.
          expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(policy.maxElapsedMs);
          expect(waits.length).toBe(hits(url) - 1);
          expect(hits(url)).toBeLessThanOrEqual(policy.maxAttempts);
          for (const [i, wait] of waits.entries()) {
            const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** i);
            const asked = retryAfters[i] === undefined ? 0 : (retryAfters[i] as number) * 1000;
            expect(wait).toBeGreaterThanOrEqual(asked);
            expect(wait).toBeLessThanOrEqual(Math.max(cap, asked));
          }
          if (result.isOk()) expect(hits(url)).toBe(6);
        },
      ),
      { numRuns: 40 },
    );
  });
});
