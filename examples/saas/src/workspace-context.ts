import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { runInContext } from '@keel/core';
import type { Store, Workspace } from './store.js';

/**
 * Runs `fn` in the request's Keel context for `workspace`: the tenant is the workspace's id (every
 * task read and write is limited to it), the actor the signed-in user (the audit trail's "who"),
 * and the correlation id the request's `x-request-id` or a new one.
 *
 * @example
 * const tasks = await inWorkspace(req, userId, workspace, () => store.tasks(workspace.id));
 */
export function inWorkspace<T>(req: IncomingMessage, userId: string, workspace: Workspace, fn: () => Promise<T>) {
  const given = req.headers['x-request-id'];
  const correlationId = typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
  return runInContext({ tenantId: String(workspace.id), actor: userId, correlationId }, fn);
}

/** The workspace if `userId` is a member (404 otherwise), with `fn` run in its context. */
export async function asMember<T>(
  store: Store,
  req: IncomingMessage,
  userId: string,
  workspaceId: number,
  fn: (workspace: Workspace) => Promise<T>,
): Promise<T> {
  const workspace = await store.memberWorkspace(userId, workspaceId);
  return inWorkspace(req, userId, workspace, () => fn(workspace));
}
