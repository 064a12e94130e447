import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, unwrap } from './http-errors.js';
import { readBody, sendJson, stringField } from './http.js';
import type { AppContext } from './routes.js';

/**
 * `POST /api/workspaces/:id/members` `{ userId }`: the owner adds a user to the workspace. The
 * example has no invitations; the owner names the user's id (`GET /api/me` shows one's own).
 */
export async function addMember(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  [workspaceId]: number[],
): Promise<void> {
  const principal = await ctx.sessions.required(req);
  await ctx.limiter.consume(principal.userId);
  const userId = stringField(await readBody(req), 'userId', 200);
  const user = await unwrap(ctx.keel.auth.getUser(userId));
  if (!user) throw new HttpError(404, 'NOT_FOUND', `No user ${userId}`);
  await ctx.store.addMember(principal.userId, workspaceId as number, userId);
  sendJson(res, 201, { member: { workspaceId, userId } });
}
