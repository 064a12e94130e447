import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Keel } from '@keel/core';
import { clearSessionCookie } from '@keel/adapter-auth';
import type { AdminCheck } from './admin.js';
import { HttpError, unwrap } from './http-errors.js';
import { readBody, sendHtml, sendJson, stringField } from './http.js';
import type { AppSettings } from './config.js';
import type { PlanLimitRule } from './plan-limit.js';
import type { createRateLimiter } from './rate-limit.js';
import type { createReadCache } from './read-cache.js';
import type { Sessions } from './session.js';
import type { Store } from './store.js';
import { renderPage } from './page.js';

export interface AppContext {
  readonly keel: Keel;
  readonly store: Store;
  readonly sessions: Sessions;
  readonly limiter: ReturnType<typeof createRateLimiter>;
  readonly cache: ReturnType<typeof createReadCache>;
  readonly planRule: PlanLimitRule;
  readonly settings: AppSettings;
  readonly profile: string;
  readonly admin: AdminCheck;
}

type Handler = (ctx: AppContext, req: IncomingMessage, res: ServerResponse, params: number[]) => Promise<void>;

/** Method + path pattern (`:n` is a numeric id) → handler. */
const routes: [string, RegExp, Handler][] = [
  ['GET', /^\/$/, page],
  ['GET', /^\/health$/, health],
  ['POST', /^\/api\/signup$/, signup],
  ['POST', /^\/api\/login$/, login],
  ['POST', /^\/api\/logout$/, logout],
  ['GET', /^\/api\/me$/, me],
  ['GET', /^\/api\/workspaces$/, listWorkspaces],
  ['POST', /^\/api\/workspaces$/, createWorkspace],
  ['GET', /^\/api\/workspaces\/(\d+)\/tasks$/, listTasks],
  ['POST', /^\/api\/workspaces\/(\d+)\/tasks$/, createTask],
  ['POST', /^\/api\/workspaces\/(\d+)\/tasks\/(\d+)\/complete$/, completeTask],
  ['GET', /^\/api\/outbox$/, outbox],
  ['GET', /^\/api\/rules\/log$/, rulesLog],
];

/** Finds the route; 404 for an unknown path, 405 for a known path with another method. */
export function route(method: string, path: string): { handler: Handler; params: number[] } {
  let pathMatched = false;
  for (const [m, pattern, handler] of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (m === method || (m === 'GET' && method === 'HEAD')) return { handler, params: match.slice(1).map(Number) };
  }
  if (pathMatched) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`);
  throw new HttpError(404, 'NOT_FOUND', `No route for ${method} ${path}`);
}

async function page(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const principal = await ctx.sessions.optional(req);
  if (!principal) return sendHtml(res, renderPage(undefined));
  const workspaces = await ctx.store.workspacesOf(principal.userId);
  const workspace = workspaces[0];
  const tasks = workspace ? await ctx.store.tasks(workspace.id) : [];
  const mail = await ctx.store.outboxFor(principal.userId, 5);
  sendHtml(res, renderPage({ email: principal.email, workspace, tasks, outbox: mail }));
}

/** Anyone learns ok or not ok (the status and `{ ok }`); only the admin sees the reports, which hold paths. */
async function health(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const admin = ctx.admin.isAdmin(req);
  const reports = await ctx.keel.health();
  const ok = reports.every((r) => r.ok);
  sendJson(res, ok ? 200 : 503, admin ? { ok, profile: ctx.profile, instances: reports } : { ok });
}

async function signup(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const email = stringField(body, 'email', 254);
  const password = stringField(body, 'password', 256);
  const context = requestContext(req);
  const user = await unwrap(ctx.keel.auth.register({ email, password }, context));
  const name =
    typeof body.workspace === 'string' && body.workspace.trim()
      ? body.workspace.trim().slice(0, 100)
      : `${user.email.split('@')[0]}'s workspace`;
  const workspace = await ctx.store.createWorkspace(user.id, name, {
    from: 'Keel SaaS <no-reply@saas.example>',
    to: [user.email],
    subject: 'Welcome to Keel SaaS',
    text: `Hello ${user.email},\n\nyour workspace "${name}" is ready. Add your first task!\n`,
    idempotencyKey: `welcome:${user.id}`,
  });
  const session = await unwrap(ctx.keel.auth.login({ email, password }, context));
  const { cookies, csrfToken } = ctx.sessions.cookies(session);
  sendJson(res, 201, { user: { id: user.id, email: user.email }, workspace, csrfToken }, { 'set-cookie': cookies });
}

async function login(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const session = await unwrap(
    ctx.keel.auth.login(
      { email: stringField(body, 'email', 254), password: stringField(body, 'password', 256) },
      requestContext(req),
    ),
  );
  const { cookies, csrfToken } = ctx.sessions.cookies(session);
  sendJson(
    res,
    200,
    { user: { id: session.principal.userId, email: session.principal.email }, csrfToken },
    { 'set-cookie': cookies },
  );
}

async function logout(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  await ctx.sessions.required(req);
  await unwrap(ctx.keel.auth.logout(ctx.sessions.token(req) ?? ''));
  sendJson(res, 200, { ok: true }, { 'set-cookie': [clearSessionCookie()] });
}

async function me(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const principal = await ctx.sessions.required(req);
  sendJson(res, 200, {
    user: { id: principal.userId, email: principal.email },
    workspaces: await ctx.store.workspacesOf(principal.userId),
  });
}

async function listWorkspaces(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const principal = await ctx.sessions.required(req);
  sendJson(res, 200, { workspaces: await ctx.store.workspacesOf(principal.userId) });
}

async function createWorkspace(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const principal = await ctx.sessions.required(req);
  await ctx.limiter.consume(principal.userId);
  const name = stringField(await readBody(req), 'name', 100);
  sendJson(res, 201, { workspace: await ctx.store.createWorkspace(principal.userId, name) });
}

async function listTasks(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  [workspaceId]: number[],
): Promise<void> {
  const principal = await ctx.sessions.required(req);
  const workspace = await ctx.store.memberWorkspace(principal.userId, workspaceId as number);
  const { value, hit } = await ctx.cache.get(`tasks:${workspace.id}`, () => ctx.store.tasks(workspace.id));
  sendJson(res, 200, { tasks: value }, { 'x-cache': hit ? 'hit' : 'miss' });
}

async function createTask(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  [workspaceId]: number[],
): Promise<void> {
  const principal = await ctx.sessions.required(req);
  await ctx.limiter.consume(principal.userId);
  const title = stringField(await readBody(req), 'title', 200);
  const workspace = await ctx.store.memberWorkspace(principal.userId, workspaceId as number);
  const task = await ctx.store.createTask(workspace.id, principal.userId, title, async (taskCount) => {
    const decision = await ctx.planRule.check({ workspaceId: workspace.id, plan: workspace.plan, taskCount });
    return decision.allowed
      ? undefined
      : new HttpError(403, 'PLAN_LIMIT_REACHED', decision.reason, {
          plan: workspace.plan,
          limit: ctx.settings.freePlanMaxTasks,
        });
  });
  await ctx.cache.invalidate(`tasks:${workspace.id}`);
  sendJson(res, 201, { task });
}

async function completeTask(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  [workspaceId, taskId]: number[],
): Promise<void> {
  const principal = await ctx.sessions.required(req);
  await ctx.limiter.consume(principal.userId);
  const workspace = await ctx.store.memberWorkspace(principal.userId, workspaceId as number);
  const task = await ctx.store.completeTask(workspace.id, taskId as number);
  await ctx.cache.invalidate(`tasks:${workspace.id}`);
  sendJson(res, 200, { task });
}

async function outbox(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const principal = await ctx.sessions.required(req);
  sendJson(res, 200, { messages: await ctx.store.outboxFor(principal.userId) });
}

async function rulesLog(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const principal = await ctx.sessions.required(req);
  const mine = new Set((await ctx.store.workspacesOf(principal.userId)).map((w) => w.id));
  sendJson(res, 200, {
    rule: ctx.planRule.engine,
    entries: ctx.planRule.log().filter((e) => mine.has(e.input.workspaceId)),
    // The host's records hold no tenant data (timings, host and denied call counts, outcome).
    executions: ctx.planRule.executions().slice(0, 20),
  });
}

function requestContext(req: IncomingMessage): { ip?: string; userAgent?: string } {
  return { ip: req.socket.remoteAddress ?? '0.0.0.0', userAgent: req.headers['user-agent'] ?? '' };
}
