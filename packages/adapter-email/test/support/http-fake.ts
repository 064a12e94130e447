import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake provider received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** What the fake answers. */
export interface FakeAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Wait this long before answering (timeouts, kills mid-request). */
  readonly delayMs?: number;
}

/**
 * A local HTTP server standing in for a provider's API on 127.0.0.1. `handler` checks each
 * request the way the provider documents it and answers; answers queued with `failNext` go
 * first, whatever the request (429s, 5xx, slow answers).
 */
export class FakeHttpServer {
  /** Every request received, scripted answers included; the fakes keep what they accepted themselves. */
  readonly requests: RecordedRequest[] = [];
  private readonly queued: FakeAnswer[] = [];
  /** Requests received whose answer has not been written yet. */
  readonly inFlight = new Set<RecordedRequest>();
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(handler: (request: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>): Promise<FakeHttpServer> {
    let fake: FakeHttpServer | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const self = fake as FakeHttpServer;
        const request: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        self.inFlight.add(request);
        self.requests.push(request);
        void (async () => {
          const scripted = self.queued.shift();
          let answer: FakeAnswer;
          try {
            answer = scripted ?? (await handler(request));
          } catch (error) {
            answer = {
              status: 500,
              body: JSON.stringify({ message: `fake server failed: ${(error as Error).message}` }),
            };
          }
          if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
          self.inFlight.delete(request);
          if (res.destroyed) return;
          res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          res.end(answer.body ?? '');
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeHttpServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  /** Answers the next requests with these, in order, before the handler sees any. */
  failNext(...answers: FakeAnswer[]): void {
    this.queued.push(...answers);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): FakeAnswer {
  return { status, headers, body: JSON.stringify(body) };
}

/** A port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
