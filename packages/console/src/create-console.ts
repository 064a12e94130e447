import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Auth, type AuthPrincipal, err, type Kv, ok, type Result } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { createRateLimiter, rateLimitHeaders } from '@keel/ratelimit';
import { authenticate, authorize, checkOrigin } from './authenticate.js';
import { failure, type HttpFailure } from './console-errors.js';
import { type ConsoleOptions, consoleOptions } from './console-options.js';
import { send, sendFailure } from './http-io.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import type { Viewer } from './dashboard/layout.js';
import { openApiDocument } from './openapi.js';
import { type Route, matchRoute } from './router.js';
import { executionRoutes } from './routes/execution-routes.js';
import { moduleRoutes } from './routes/module-routes.js';
import { json } from './routes/route-kit.js';
import { workflowRoutes } from './routes/workflow-routes.js';

/** What the console needs of the app's Keel: `auth`, and `kv` for the rate limit. A `Keel` is one. */
export interface ConsoleKeel {
  readonly auth: Auth;
  readonly kv?: Kv;
}

/** A `node:http` request handler (`(req, res, next?)`, as Express and Connect mount one) with its routes. */
export interface ConsoleHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** Every API route, `METHOD /path`, relative to `basePath` (the ones the OpenAPI document describes). */
  readonly routes: readonly string[];
  /** The dashboard's pages and assets, `GET /path`, relative to `basePath` (HTML, CSS, JS). */
  readonly pages: readonly string[];
  /** The OpenAPI 3.1 document served at `<basePath>/openapi.json`. */
  readonly openApi: Readonly<Record<string, unknown>>;
}

/**
 * The console's HTTP API as a `node:http` handler: modules (upload, list, get, grants, activate,
 * rollback, delete, download), execution records and workflow runs, behind the `auth` contract
 * (session cookie or bearer token), RBAC, a CSRF check for cookie sessions and a rate limit,
 * with JSON errors of stable codes and an OpenAPI 3.1 document at `/openapi.json`.
 *
 * @example
 * const api = createConsole(keel, { registry, workflows, executionLog, basePath: '/console' });
 * http.createServer((req, res) => api(req, res, () => app(req, res))).listen(3000);
 */
export function createConsole(keel: ConsoleKeel, options: ConsoleOptions): ConsoleHandler {
  const o = parseOptions(consoleOptions, options, 'createConsole');
  if (typeof keel?.auth?.verifySession !== 'function') throw new TypeError('createConsole: keel.auth is required');
  if (o.rateLimit !== false && !keel.kv)
    throw new TypeError('createConsole: the rate limit counts in keel.kv; give a kv, or set rateLimit: false');
  const limiter =
    o.rateLimit === false || !keel.kv
      ? undefined
      : createRateLimiter(keel.kv, { ...o.rateLimit, prefix: 'keel-console:' });
  const onError = o.onError ?? ((error: unknown) => console.error('keel console:', error));
  const clientAddress = o.clientAddress ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown');

  const api: Route[] = [
    ...moduleRoutes({ registry: o.registry, maxUploadBytes: o.maxUploadBytes, maxJsonBytes: o.maxJsonBytes }),
    ...executionRoutes(o.executionLog),
    ...workflowRoutes(o.workflows, o.maxJsonBytes),
    sessionRoute(),
  ];
  let document: Record<string, unknown> = {};
  const documented: Route[] = [...api, openApiRoute(() => document, o.openApiPublic)];
  document = openApiDocument(documented, o.basePath);

  /** The dashboard's view of a caller: the API's authentication, `components:read`, and what else it may do. */
  const identify = async (req: IncomingMessage): Promise<Result<Viewer, HttpFailure>> => {
    const caller = await authenticate(keel.auth, req, o.sessionCookie);
    if (caller.isErr()) return err(caller.error);
    const { principal } = caller.value;
    const read = await authorize(keel.auth, principal, 'components:read');
    if (read.isErr()) return err(read.error);
    const can = async (permission: string) => (await keel.auth.authorize(principal, permission)).isOk();
    return ok({
      email: principal.email,
      canWrite: await can('components:write'),
      canGrant: await can('components:grant'),
      canReadRuns: await can('workflows:read'),
    });
  };
  const pages = o.dashboard
    ? dashboardRoutes({
        registry: o.registry,
        executionLog: o.executionLog,
        workflows: o.workflows,
        metrics: o.metrics,
        basePath: o.basePath,
        identify,
      })
    : [];
  const routes: Route[] = [...documented, ...pages];

  /** Rate limit → route → authenticate → CSRF → authorize → handle: each step may answer a failure. */
  const serve = async (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const limited = await rateLimited(clientAddress(req));
    if (limited) return sendFailure(req, res, limited);
    const match = matchRoute(routes, method, path);
    if (match.kind === 'malformed') return sendFailure(req, res, failure('BAD_REQUEST', match.message));
    if (match.kind === 'none') return sendFailure(req, res, failure('ROUTE_NOT_FOUND', `no route ${method} ${path}`));
    if (match.kind === 'method')
      return sendFailure(
        req,
        res,
        failure('METHOD_NOT_ALLOWED', `${path} takes ${match.allow.join(', ')}`, {
          headers: { Allow: match.allow.join(', ') },
        }),
      );
    const { route, params } = match;
    let principal: AuthPrincipal | undefined;
    if (!route.public) {
      const caller = await authenticate(keel.auth, req, o.sessionCookie);
      if (caller.isErr()) return sendFailure(req, res, caller.error);
      if (caller.value.via === 'cookie') {
        const csrf = checkOrigin(req, method, o.trustedOrigins ?? []);
        if (csrf.isErr()) return sendFailure(req, res, csrf.error);
      }
      principal = caller.value.principal;
      if (route.permission) {
        const allowed = await authorize(keel.auth, principal, route.permission);
        if (allowed.isErr()) return sendFailure(req, res, allowed.error);
      }
    }
    const reply = await route.handle({ req, res, params, query, principal, actor: principal?.email });
    if (reply.isErr()) return sendFailure(req, res, reply.error);
    send(res, reply.value);
  };

  const rateLimited = async (address: string): Promise<HttpFailure | undefined> => {
    if (!limiter) return undefined;
    const decision = await limiter.consume(`ip:${address}`);
    if (decision.isErr()) {
      onError(decision.error);
      return { status: 503, code: 'RATE_LIMIT_UNAVAILABLE', message: 'the rate limit could not be checked' };
    }
    if (decision.value.allowed) return undefined;
    return failure('RATE_LIMITED', 'too many requests: wait and try again', {
      headers: Object.fromEntries(
        Object.entries(rateLimitHeaders(decision.value)).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    });
  };

  const handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => {
    // The raw path, not URL's: a URL parser resolves `..` segments, and what the client sent is what is judged.
    const raw = req.url ?? '/';
    const cut = raw.search(/[?#]/);
    const pathname = cut === -1 ? raw : raw.slice(0, cut);
    const inside = pathname === o.basePath || pathname.startsWith(`${o.basePath}/`);
    if (!inside) {
      if (next) return next();
      return sendFailure(req, res, failure('ROUTE_NOT_FOUND', `no route ${req.method} ${pathname}`));
    }
    const path = pathname.slice(o.basePath.length) || '/';
    if (path.split('/').some((s) => s === '.' || s === '..'))
      return sendFailure(req, res, failure('BAD_REQUEST', "a path may not have '.' or '..' segments"));
    const query = new URLSearchParams(cut === -1 ? '' : raw.slice(cut + 1).split('#')[0]);
    serve(req, res, path, query).catch((error: unknown) => {
      onError(error);
      if (!res.headersSent) sendFailure(req, res, failure('INTERNAL', 'the console failed; the error is logged'));
      else res.destroy();
    });
  };
  return Object.assign(handler, {
    routes: documented.map((r) => `${r.method} ${r.path}`),
    pages: pages.map((r) => `${r.method} ${r.path}`),
    openApi: document,
  });
}

function openApiRoute(document: () => Record<string, unknown>, isPublic: boolean): Route {
  return {
    method: 'GET',
    path: '/openapi.json',
    permission: undefined,
    public: isPublic,
    operation: {
      operationId: 'openApi',
      summary: 'This document',
      tags: ['meta'],
      success: { status: 200, description: 'OpenAPI 3.1', json: { type: 'object' } },
      errors: [],
    },
    handle: async () => json(document()),
  };
}

function sessionRoute(): Route {
  return {
    method: 'GET',
    path: '/api/session',
    permission: undefined,
    operation: {
      operationId: 'whoAmI',
      summary: 'The signed-in principal: email, roles and permission patterns',
      tags: ['meta'],
      success: { status: 200, description: 'The principal', json: { $ref: '#/components/schemas/Principal' } },
      errors: [],
    },
    handle: async ({ principal }) =>
      json({
        userId: principal?.userId,
        email: principal?.email,
        roles: principal?.roles ?? [],
        permissions: principal?.permissions ?? [],
      }),
  };
}
