import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, unwrap } from './http-errors.js';
import { readBody, sendJson } from './http.js';
import type { AppContext } from './routes.js';

const modes = ['immediate', 'digest', 'off'] as const;

/** The signed-in user's "task completed" mail: `{ taskCompleted: 'immediate' | 'digest' | 'off' }`. */
export async function getPreferences(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const principal = await ctx.sessions.required(req);
  const stored = await unwrap(ctx.notifications.preferences(principal.userId));
  const mine = stored.find((p) => p.kind === 'task-completed' && p.channel === 'email');
  sendJson(res, 200, { taskCompleted: mine?.mode ?? 'immediate' });
}

/** Sets it: `digest` gathers the day's completions into one mail at midnight UTC. */
export async function setPreferences(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const principal = await ctx.sessions.required(req);
  const mode = (await readBody(req)).taskCompleted;
  if (!modes.includes(mode as (typeof modes)[number])) {
    throw new HttpError(400, 'INVALID_ARGUMENT', `taskCompleted must be one of ${modes.join(', ')}`);
  }
  const preference = { kind: 'task-completed', channel: 'email', mode: mode as (typeof modes)[number] };
  await unwrap(ctx.notifications.setPreference(principal.userId, preference));
  sendJson(res, 200, { taskCompleted: mode });
}

/** `GET /api/admin/templates/<name>?locale=&version=&part=`: a template rendered with samples (admin token). */
export async function previewTemplate(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!ctx.admin.isAdmin(req)) throw new HttpError(401, 'UNAUTHENTICATED', 'This needs the admin token');
  if (!(await ctx.previewTemplate(req, res))) throw new HttpError(404, 'NOT_FOUND', 'No such template');
}
