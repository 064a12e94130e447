import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the server saw it. */
export interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A real `node:http` server on 127.0.0.1 for one test file; nothing leaves loopback. */
export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** Every request that reached the handler, in order. */
  readonly seen: Seen[];
  /** Requests being handled now, and the most at once. */
  readonly load: { now: number; max: number };
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen, n: number) => void | Promise<void>;

/**
 * Starts a server whose `handler` answers each request (its body read first); `n` counts from 1.
 *
 * @example
 * const server = await startLocalServer((req, res) => res.end('ok'));
 */
export async function startLocalServer(handler: Handler): Promise<LocalServer> {
  const seen: Seen[] = [];
  const load = { now: 0, max: 0 };
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    load.now++;
    load.max = Math.max(load.max, load.now);
    res.on('close', () => load.now--);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const entry: Seen = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    seen.push(entry);
    try {
      await handler(req, res, entry, seen.length);
    } catch (thrown) {
      res.destroy(thrown as Error);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    seen,
    load,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A `sleep` that records each wait and returns at once, moving `clock` (when given) by the
 * wait, as time would have passed.
 */
export function recordedSleep(clock?: { advance(ms: number): void }): {
  sleep: (ms: number) => Promise<void>;
  waits: number[];
} {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms) => {
      waits.push(ms);
      clock?.advance(ms);
    },
  };
}
