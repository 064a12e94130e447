import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { createHttpClient } from '@keel/http-client';
import { compare } from './harness.js';

/**
 * Requests per second against a local `node:http` server on 127.0.0.1 answering 64 bytes:
 * the global `fetch` (Node's undici) reading the body, against `@keel/http-client` on the same
 * fetch with its allow-list, per-host gate, circuit, retry loop and size-limited read (metrics
 * off). One at a time, and 16 at once. The server shares the process, so both pay for it alike.
 */
export async function run(): Promise<void> {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  console.log(`\n## @keel/http-client — load average ${one} / ${five} / ${fifteen} (1/5/15 min)`);
  const payload = 'x'.repeat(64);
  const server = createServer((_req, res) => res.end(payload));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  const http = createHttpClient({ allow: [`http://127.0.0.1:${port}`], perHost: { maxConcurrent: 64 } });
  const raw = async () => {
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`raw fetch: ${response.status}`);
  };
  const keel = async () => {
    const got = await http.get(url);
    if (got.isErr()) throw got.error;
  };
  const batch = (fn: () => Promise<void>) => () => Promise.all(Array.from({ length: 16 }, fn));
  try {
    await compare('GET, one at a time', [
      { name: 'fetch (undici, Node 20)', fn: raw },
      { name: '@keel/http-client get', fn: keel },
    ]);
    await compare(
      'GET, 16 at once',
      [
        { name: 'fetch (undici, Node 20)', fn: batch(raw), opsPerCall: 16 },
        { name: '@keel/http-client get', fn: batch(keel), opsPerCall: 16 },
      ],
      { checkEvery: 4 },
    );
  } finally {
    http.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
