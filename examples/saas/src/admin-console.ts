import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ConsoleHandler, createConsole } from '@keel/console';
import type { Keel } from '@keel/core';
import type { AdminCheck } from './admin.js';
import { HttpError, unwrap } from './http-errors.js';
import { readBody, sendJson, stringField } from './http.js';
import type { TaskIntake } from './task-intake.js';

/** Where the operator console is mounted. */
export const consolePath = '/console';

/** The app-wide role that opens the console; the profiles' `auth.roles` grant it `components:*` and `workflows:*`. */
export const adminRole = 'admin';

/** Whether a request is the console's to answer (its API, pages and assets). */
export function isConsolePath(pathname: string): boolean {
  return pathname === consolePath || pathname.startsWith(`${consolePath}/`);
}

/**
 * `@keel/console` (the registry's HTTP API and the dashboard) at `/console`, over the intake's
 * registry, workflow runs and execution log, for the app's admins: the same session cookie as
 * the app, and the console asks `auth.authorize` for `components:*` and `workflows:*`, which only
 * the `admin` role grants (`auth.roles` in the profiles). A member without it gets 403, a
 * signed-out browser 401. The console checks a cookie session's unsafe requests by their
 * `Origin` itself, and takes multipart uploads: the app's JSON-only guard does not run before it.
 *
 * @example
 * const adminConsole = createAdminConsole(keel, intake);
 * if (isConsolePath(url.pathname)) return adminConsole(req, res);
 */
export function createAdminConsole(keel: Keel, intake: TaskIntake): ConsoleHandler {
  return createConsole(keel, {
    registry: intake.registry,
    workflows: intake.workflows,
    executionLog: intake.executionLog,
    // The metrics page reads what `/metrics` serves: this process's counters, the runs' tables.
    metrics: keel.observability,
    basePath: consolePath,
    onError: (error) => console.error('[saas] console', error),
  });
}

/**
 * `PUT /api/admin/roles` `{ userId, admin }`, with the operator's bearer token
 * (`KEEL_APP_ADMIN_TOKEN`): makes a user an admin of the app (or not). The user's sessions end,
 * so the new role comes with their next sign-in.
 */
export async function setAdminRole(admin: AdminCheck, keel: Keel, req: IncomingMessage, res: ServerResponse) {
  if (!admin.isAdmin(req)) throw new HttpError(401, 'UNAUTHENTICATED', 'This needs the admin token');
  const body = await readBody(req);
  const userId = stringField(body, 'userId');
  if (typeof body.admin !== 'boolean')
    throw new HttpError(400, 'INVALID_ARGUMENT', "'admin' is required (true or false)", { field: 'admin' });
  const user = await unwrap(keel.auth.getUser(userId));
  if (!user) throw new HttpError(404, 'NOT_FOUND', 'No such user');
  await unwrap(keel.auth.setRoles(userId, body.admin ? [adminRole] : []));
  sendJson(res, 200, { userId, roles: body.admin ? [adminRole] : [] });
}
