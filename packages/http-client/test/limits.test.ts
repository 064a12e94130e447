import { expectErr, expectOk, ManualClock } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/index.js';
import { type LocalServer, recordedSleep, startLocalServer } from './support/local-server.js';

let server: LocalServer;
/** Held requests of `/held`, answered when the test says. */
const held: Array<() => void> = [];
let onHeld: () => void = () => undefined;
beforeAll(async () => {
  server = await startLocalServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const size = Number(url.searchParams.get('size') ?? 0);
    if (url.pathname === '/declared') {
      res.writeHead(200, { 'content-length': String(size) }).end('x'.repeat(size));
      return;
    }
    if (url.pathname === '/chunked') {
      // No content-length: the client can only count as it reads.
      res.writeHead(Number(url.searchParams.get('status') ?? 200));
      for (let i = 0; i < size; i += 1000) res.write('x'.repeat(Math.min(1000, size - i)));
      res.end();
      return;
    }
    if (url.pathname === '/held') {
      held.push(() => res.end('done'));
      onHeld();
      return;
    }
    res.end('ok');
  });
});
afterAll(async () => {
  for (const release of held.splice(0)) release();
  await server.close();
});

const allow = () => [`http://127.0.0.1:${server.port}`];

describe('response size', () => {
  const http = () => createHttpClient({ allow: allow(), maxResponseBytes: 5000, retry: false });

  it('reads a body up to maxResponseBytes', async () => {
    expect(expectOk(await http().get(`${server.origin}/declared?size=5000`)).body.byteLength).toBe(5000);
    expect(expectOk(await http().get(`${server.origin}/chunked?size=5000`)).body.byteLength).toBe(5000);
  });

  it('refuses a larger one, declared or not, error bodies included', async () => {
    expectErr(await http().get(`${server.origin}/declared?size=5001`), 'TOO_LARGE');
    expectErr(await http().get(`${server.origin}/chunked?size=50000`), 'TOO_LARGE');
    const error = expectErr(await http().get(`${server.origin}/chunked?size=50000&status=500`), 'TOO_LARGE');
    expect(error.status).toBe(500);
  });
});

describe('per-host limits', () => {
  it('keeps at most maxConcurrent tries in flight to a host under load', async () => {
    const before = held.length;
    const http = createHttpClient({ allow: allow(), perHost: { maxConcurrent: 4 }, retry: false });
    server.load.max = 0;
    // The server answers a batch only when 4 are in flight at once: a lower limit would hang
    // the test, a higher one shows in load.max.
    onHeld = () => {
      if (held.length - before >= 4) for (const release of held.splice(before)) release();
    };
    const answers = await Promise.all(Array.from({ length: 48 }, () => http.get(`${server.origin}/held`)));
    onHeld = () => undefined;
    expect(answers.filter((a) => a.isOk())).toHaveLength(48);
    expect(server.load.max).toBe(4);
  });

  it('gives up waiting for a slot after maxWaitMs with LIMITED', async () => {
    const http = createHttpClient({ allow: allow(), perHost: { maxConcurrent: 1, maxWaitMs: 30 }, retry: false });
    const first = http.get(`${server.origin}/held`);
    const second = expectErr(await http.get(`${server.origin}/held`), 'LIMITED');
    expect(second.message).toMatch(/maxWaitMs/);
    for (const release of held.splice(0)) release();
    expectOk(await first);
    // The slot is free again.
    expectOk(await http.get(`${server.origin}/`));
  });

  it('spaces starts by ratePerSecond after a burst', async () => {
    const clock = new ManualClock(0);
    const recorded = recordedSleep(clock);
    const http = createHttpClient({
      allow: allow(),
      perHost: { ratePerSecond: 10, burst: 2, maxWaitMs: 250 },
      retry: { sleep: recorded.sleep },
      clock,
    });
    for (let i = 0; i < 4; i++) expectOk(await http.get(`${server.origin}/`));
    // Two at once, then one per 100 ms.
    expect(recorded.waits).toEqual([100, 100]);
  });

  it('refuses a start that would wait past maxWaitMs, reserving nothing for it', async () => {
    const still = recordedSleep(); // time stands still: six requests at one instant
    const http = createHttpClient({
      allow: allow(),
      perHost: { ratePerSecond: 10, burst: 2, maxWaitMs: 250 },
      retry: { sleep: still.sleep },
      clock: new ManualClock(0),
    });
    const batch = await Promise.all(Array.from({ length: 6 }, () => http.get(`${server.origin}/`)));
    expect(batch.map((r) => (r.isOk() ? 'ok' : r.error.code))).toEqual(['ok', 'ok', 'ok', 'ok', 'LIMITED', 'LIMITED']);
    expect(still.waits).toEqual([100, 200]);
  });
});
