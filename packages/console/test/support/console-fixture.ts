import { type IncomingHttpHeaders, type Server, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalAuth, type LocalAuth } from '@keel/adapter-auth';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { type ComponentRegistry, createComponentRegistry } from '@keel/component-registry';
import { createObservability, type KeelObservability, type Kv, type Sql } from '@keel/core';
import { ManualClock, expectOk } from '@keel/testing';
import { type SqlExecutionLog, type WasmHost, createSqlExecutionLog, createWasmHost } from '@keel/wasm-host';
import { type Workflows, createWorkflows } from '@keel/workflows';
import { type ConsoleHandler, type ConsoleOptions, createConsole } from '../../src/index.js';

export const password = 'plum orbit granite 42';
export const roles = {
  admin: ['components:*', 'workflows:*'],
  viewer: ['components:read', 'workflows:read'],
};

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body as JSON (`undefined` when it is not); tests read it as the document describes it. */
  // biome-ignore lint/suspicious/noExplicitAny: a response body, checked field by field by the tests.
  readonly json: any;
}

export interface RequestOptions {
  readonly token?: string;
  readonly cookie?: string;
  readonly origin?: string;
  readonly json?: unknown;
  readonly body?: Uint8Array | string;
  readonly headers?: Record<string, string>;
}

export interface ConsoleFixture {
  readonly sql: Sql;
  readonly kv: Kv;
  readonly auth: LocalAuth;
  readonly clock: ManualClock;
  readonly host: WasmHost;
  readonly registry: ComponentRegistry;
  readonly workflows: Workflows;
  readonly executionLog: SqlExecutionLog;
  /** The metrics the host and workflows report, and the metrics page reads. */
  readonly observability: KeelObservability;
  readonly api: ConsoleHandler;
  readonly url: string;
  /** Session tokens of the two users. */
  readonly admin: string;
  readonly viewer: string;
  call(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * The console on a real `node:http` server on 127.0.0.1, over a real database (`sql`, closed by
 * `close`), with a local auth of two users — an admin and a viewer — a wasm-host whose
 * execution records go to the database, a registry and workflows with a worker.
 */
export async function consoleFixture(
  sql: Sql,
  options: Partial<ConsoleOptions> = {},
  /** The host's fuel per call; without it, calls are metered by time only. */
  maxFuel?: number,
): Promise<ConsoleFixture> {
  const clock = new ManualClock(Date.now());
  const kv = createMemoryKv();
  const auth = createLocalAuth({
    sql,
    kv,
    email: false,
    argon2: { memoryCost: 256, timeCost: 1, parallelism: 1 },
    roles,
    defaultRoles: ['viewer'],
    sessions: { idleTimeoutMs: 60_000 },
    clock,
  });
  const executionLog = createSqlExecutionLog(sql);
  const observability = createObservability({ prometheus: true });
  const host = createWasmHost(
    { kv, sql },
    {
      cacheDir: false,
      executionLog,
      observability,
      ...(maxFuel === undefined ? {} : { limits: { maxFuel } }),
    },
  );
  const registry = createComponentRegistry(sql, host, { refreshMs: 0 });
  expectOk(await registry.migrate());
  const workflows = createWorkflows({ sql, registry, pollIntervalMs: 20, observability });
  expectOk(await workflows.migrate());
  const worker = expectOk(workflows.work({ concurrency: 2 }));

  const admin = expectOk(await auth.register({ email: 'ada@example.com', password }));
  expectOk(await auth.setRoles(admin.id, ['admin']));
  expectOk(await auth.register({ email: 'vic@example.com', password }));
  const adminToken = expectOk(await auth.login({ email: 'ada@example.com', password })).token;
  const viewerToken = expectOk(await auth.login({ email: 'vic@example.com', password })).token;

  const api = createConsole(
    { auth, kv },
    {
      registry,
      workflows,
      executionLog,
      metrics: observability,
      basePath: '/console',
      maxUploadBytes: 64 * 1024,
      ...options,
    },
  );
  const server: Server = createServer((req, res) =>
    api(req, res, () => {
      res.writeHead(418, { 'Content-Type': 'text/plain' });
      res.end('the app');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    sql,
    kv,
    auth,
    clock,
    host,
    registry,
    workflows,
    executionLog,
    observability,
    api,
    url,
    admin: adminToken,
    viewer: viewerToken,
    call: (method, path, o = {}) => call(port, method, path, o),
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await worker.stop();
      await workflows.close();
      await registry.close();
      await host.close();
      await auth.close();
      await kv.close();
      await sql.close();
    },
  };
}

/** One request with `node:http`, so that every header (Origin included) is exactly what the test says. */
function call(port: number, method: string, path: string, o: RequestOptions): Promise<Reply> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.cookie) headers.cookie = `__Host-session=${o.cookie}`;
  if (o.origin) headers.origin = o.origin;
  let body: Uint8Array | string | undefined = o.body;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers['content-type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        let parsed: unknown;
        try {
          parsed = JSON.parse(buffer.toString('utf8'));
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buffer, json: parsed });
      });
    });
    // A refused upload is answered before the body is read, and the socket closes after the
    // answer: a write error after the answer is expected, one before it is not.
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}
