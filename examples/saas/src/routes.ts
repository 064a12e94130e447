import type { IncomingMessage, ServerResponse } from 'node:http';
import { healthHandlers, type Keel } from '@keel/core';
import type { Flags } from '@keel/flags';
import type { Templates } from '@keel/templates';
import type { Notifications } from '@keel/templates/notifications';
import { login, logout, resetPage, resetPassword, signup, verifyEmail, verifyPage } from './account-routes.js';
import type { AdminCheck } from './admin.js';
import { setAdminRole } from './admin-console.js';
import type { DevMailbox } from './dev-mailbox.js';
import { HttpError, unwrap } from './http-errors.js';
import { readBody, sendHtml, sendJson, stringField } from './http.js';
import type { AppSettings } from './config.js';
import type { MailStore } from './mail-store.js';
import { getPreferences, previewTemplate, setPreferences } from './notification-routes.js';
import type { PendingWorkspaces } from './pending-workspaces.js';
import type { RealtimeHandler } from '@keel/realtime';
import type { PlanLimitRule } from './plan-limit.js';
import type { createRateLimiter } from './rate-limit.js';
import { type ReadCache, workspaceTag } from './read-cache.js';
import type { Sessions } from './session.js';
import type { Store } from './store.js';
import type { TaskIntake } from './task-intake.js';
import { addMember } from './member-routes.js';
import { renderPage } from './page.js';
import { asMember, inWorkspace } from './workspace-context.js';

export interface AppContext {
  readonly keel: Keel;
  readonly store: Store;
  readonly mail: MailStore;
  readonly devMailbox: DevMailbox;
  readonly pending: PendingWorkspaces;
  readonly sessions: Sessions;
  /** `GET /api/live`: the Server-Sent Events of the user's workspaces (`live-tasks.ts`). */
  readonly live: RealtimeHandler;
  readonly limiter: ReturnType<typeof createRateLimiter>;
  readonly flags: Flags;
  readonly cache: ReadCache;
  readonly planRule: PlanLimitRule;
  readonly intake: TaskIntake;
  readonly settings: AppSettings;
  readonly profile: string;
  readonly admin: AdminCheck;
  readonly templates: Templates;
  readonly notifications: Notifications;
  /** `@keel/templates`' preview handler, mounted at `/api/admin/templates`. */
  readonly previewTemplate: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export type Handler = (ctx: AppContext, req: IncomingMessage, res: ServerResponse, params: number[]) => Promise<void>;

/** Method + path pattern (`:n` is a numeric id) → handler. */
const routes: [string, RegExp, Handler][] = [
  ['GET', /^\/$/, page],
  ['GET', /^\/health$/, health],
  ['GET', /^\/health\/ready$/, ready],
  ['GET', /^\/health\/live$/, live],
  ['GET', /^\/metrics$/, metrics],
  ['GET', /^\/api\/admin\/slow$/, slowCalls],
  ['GET', /^\/api\/admin\/flags$/, listFlags],
  ['PUT', /^\/api\/admin\/flags$/, switchFlag],
  ['PUT', /^\/api\/admin\/roles$/, (ctx, req, res) => setAdminRole(ctx.admin, ctx.keel, req, res)],
  ['POST', /^\/api\/signup$/, signup],
  ['POST', /^\/api\/login$/, login],
  ['POST', /^\/api\/logout$/, logout],
  ['GET', /^\/verify$/, verifyPage],
  ['POST', /^\/api\/verify-email$/, verifyEmail],
  ['GET', /^\/reset$/, resetPage],
  ['POST', /^\/api\/reset-password$/, resetPassword],
  ['GET', /^\/api\/me$/, me],
  ['GET', /^\/api\/live$/, (ctx, req, res) => ctx.live.handle(req, res)],
  ['GET', /^\/api\/workspaces$/, listWorkspaces],
  ['POST', /^\/api\/workspaces\/(\d+)\/members$/, addMember],
  ['POST', /^\/api\/workspaces$/, createWorkspace],
  ['GET', /^\/api\/workspaces\/(\d+)\/tasks$/, listTasks],
  ['POST', /^\/api\/workspaces\/(\d+)\/tasks$/, createTask],
  ['POST', /^\/api\/workspaces\/(\d+)\/tasks\/(\d+)\/complete$/, completeTask],
  ['GET', /^\/api\/workspaces\/(\d+)\/tasks\/(\d+)\/intake$/, taskIntake],
  ['GET', /^\/api\/workspaces\/(\d+)\/audit$/, taskAudit],
  ['GET', /^\/api\/outbox$/, outbox],
  ['GET', /^\/api\/rules\/log$/, rulesLog],
  ['GET', /^\/api\/preferences$/, getPreferences],
  ['PUT', /^\/api\/preferences$/, setPreferences],
  ['GET', /^\/api\/admin\/templates\/[\w.-]+$/, previewTemplate],
];

/**
 * Finds the route; 404 for an unknown path, 405 for a known path with another method. `template`
 * names it for the request's span (`/api/workspaces/:n/tasks`), never holding ids.
 */
export function route(method: string, path: string): { handler: Handler; params: number[]; template: string } {
  let pathMatched = false;
  for (const [m, pattern, handler] of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (m === method || (m === 'GET' && method === 'HEAD'))
      return { handler, params: match.slice(1).map(Number), template: templateOf(pattern) };
  }
  if (pathMatched) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`);
  throw new HttpError(404, 'NOT_FOUND', `No route for ${method} ${path}`);
}

/** `/^\/api\/workspaces\/(\d+)\/tasks$/` → `/api/workspaces/:n/tasks`. */
function templateOf(pattern: RegExp): string {
  return pattern.source
    .replace(/^\^|\$$/g, '')
    .replaceAll('\\/', '/')
    .replaceAll('(\\d+)', ':n');
}

async function page(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const principal = await ctx.sessions.optional(req);
  if (!principal) {
    const mailboxOf = await ctx.devMailbox.userId(req);
    const devMail = mailboxOf ? await ctx.mail.outboxFor(mailboxOf, 5) : undefined;
    return sendHtml(res, renderPage({ view: 'signed-out', devMail }));
  }
  const workspaces = await ctx.store.workspacesOf(principal.userId);
  const workspace = workspaces[0];
  const [tasks, audit] = workspace
    ? await inWorkspace(req, principal.userId, workspace, () =>
        Promise.all([ctx.store.tasks(workspace.id), ctx.store.taskAudit(10)]),
      )
    : [[], []];
  const mail = await ctx.mail.outboxFor(principal.userId, 5);
  sendHtml(
    res,
    renderPage({
      view: 'signed-in',
      email: principal.email,
      userId: principal.userId,
      workspace,
      tasks,
      audit,
      outbox: mail,
    }),
  );
}

/** Anyone learns ok or not ok (the status and `{ ok }`); only the admin sees the reports, which hold paths. */
async function health(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const admin = ctx.admin.isAdmin(req);
  const reports = await ctx.keel.health();
  const ok = reports.every((r) => r.ok);
  sendJson(res, ok ? 200 : 503, admin ? { ok, profile: ctx.profile, instances: reports } : { ok });
}

// Probes for an orchestrator: anyone learns ready or not; the reports go to the admin token only.
const probes = new WeakMap<AppContext, ReturnType<typeof healthHandlers>>();
const probesOf = (ctx: AppContext) => {
  let handlers = probes.get(ctx);
  if (!handlers) {
    handlers = healthHandlers(ctx.keel, { details: (req) => ctx.admin.isAdmin(req) });
    probes.set(ctx, handlers);
  }
  return handlers;
};

async function ready(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  await probesOf(ctx).readiness(req, res);
}

async function live(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  await probesOf(ctx).liveness(req, res);
}

/** Prometheus's text, for a scraper holding the admin token (`bearer_token` in its scrape config). */
async function metrics(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireAdmin(ctx, req);
  await ctx.keel.observability.metricsHandler(req, res);
}

/** The slowest calls Keel saw (`observability.slowMs` logs each past its threshold), for the operator. */
async function slowCalls(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireAdmin(ctx, req);
  sendJson(res, 200, { calls: ctx.keel.observability.slowest(20) });
}

/** The app's flags and where each definition comes from (config, or set at run time in kv). */
async function listFlags(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireAdmin(ctx, req);
  sendJson(res, 200, { flags: ctx.flags.list() });
}

/** `{ key, enabled }`: a flag's kill switch, for every process of the app. */
async function switchFlag(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireAdmin(ctx, req);
  const body = await readBody(req);
  const key = stringField(body, 'key', 200);
  if (typeof body.enabled !== 'boolean') throw new HttpError(400, 'INVALID_ARGUMENT', 'enabled must be true or false');
  await unwrap(ctx.flags.setEnabled(key, body.enabled));
  sendJson(res, 200, { key, enabled: body.enabled });
}

function requireAdmin(ctx: AppContext, req: IncomingMessage): void {
  if (!ctx.admin.isAdmin(req)) throw new HttpError(401, 'UNAUTHENTICATED', 'This needs the admin token');
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
  const { value, hit } = await asMember(ctx.store, req, principal.userId, workspaceId as number, (workspace) =>
    ctx.cache.get(`tasks:${workspace.id}`, [workspaceTag(workspace.id)], () => ctx.store.tasks(workspace.id)),
  );
  sendJson(res, 200, { tasks: value }, { 'x-cache': hit ? 'hit' : 'miss' });
}

/** The task's run of the intake workflow: what its components decided, step by step (404 until it starts). */
async function taskIntake(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  [workspaceId, taskId]: number[],
): Promise<void> {
  const principal = await ctx.sessions.required(req);
  const intake = await asMember(ctx.store, req, principal.userId, workspaceId as number, (workspace) =>
    ctx.intake.view(workspace.id, taskId as number),
  );
  if (!intake) throw new HttpError(404, 'NOT_FOUND', `task ${taskId} has no intake run yet`);
  sendJson(res, 200, intake);
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
  const task = await asMember(ctx.store, req, principal.userId, workspaceId as number, async (workspace) => {
    const created = await ctx.store.createTask(workspace.id, principal.userId, title, async (taskCount) => {
      const decision = await ctx.planRule.check({ workspaceId: workspace.id, plan: workspace.plan, taskCount });
      return decision.allowed
        ? undefined
        : new HttpError(403, 'PLAN_LIMIT_REACHED', decision.reason, {
            plan: workspace.plan,
            limit: ctx.settings.freePlanMaxTasks,
          });
    });
    await ctx.cache.invalidate([workspaceTag(workspace.id)]);
    return created;
  });
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
  const task = await asMember(ctx.store, req, principal.userId, workspaceId as number, async (workspace) => {
    const notify = { userId: principal.userId, email: principal.email };
    const completed = await ctx.store.completeTask(workspace.id, taskId as number, notify);
    await ctx.cache.invalidate([workspaceTag(workspace.id)]);
    return completed;
  });
  sendJson(res, 200, { task });
}

/** The audit trail of the workspace's tasks, newest first (`?limit=`, 1–200, default 50). */
async function taskAudit(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  [workspaceId]: number[],
): Promise<void> {
  const principal = await ctx.sessions.required(req);
  const asked = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('limit') ?? 50);
  const limit = Number.isInteger(asked) && asked >= 1 && asked <= 200 ? asked : 50;
  const entries = await asMember(ctx.store, req, principal.userId, workspaceId as number, () =>
    ctx.store.taskAudit(limit),
  );
  sendJson(res, 200, { entries });
}

/**
 * The signed-in user's mail; signed out, with the dev mailbox on, the mail of the user id this
 * browser's sign-up answered (see `dev-mailbox.ts`): how a verification link is read in development.
 */
async function outbox(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const userId = (await ctx.sessions.optional(req))?.userId ?? (await ctx.devMailbox.userId(req));
  if (!userId) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first');
  sendJson(res, 200, { messages: await ctx.mail.outboxFor(userId) });
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
