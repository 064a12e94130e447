import type { IncomingMessage, ServerResponse } from 'node:http';
import { clearSessionCookie } from '@keel/adapter-auth';
import { sender } from './auth-mail.js';
import { HttpError, unwrap } from './http-errors.js';
import { readBody, sendHtml, sendJson, stringField } from './http.js';
import { renderPage } from './page.js';
import type { AppContext } from './routes.js';

/** Sign-up's one answer, whether or not the address already has an account. */
export const checkYourMail = 'Check your mail: open the link we sent to confirm your address, then log in.';

/**
 * Sign-up never says whether the address has an account (auth's `registration.enumeration: 'hide'`):
 * the same 202 and the same body either way, no session. A new account gets a verification link;
 * the owner of a taken address a note with a reset link. The workspace comes at the first sign-in.
 */
export async function signup(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The `signups` flag is the kill switch; a flag that cannot be read keeps sign-ups open.
  if (
    !ctx.flags
      .evaluate('signups', {}, 'boolean')
      .map((r) => r.value)
      .unwrapOr(true)
  )
    throw new HttpError(503, 'SIGNUPS_CLOSED', 'Sign-ups are closed for now; try again later');
  const body = await readBody(req);
  const email = stringField(body, 'email', 254);
  const password = stringField(body, 'password', 256);
  const workspace = typeof body.workspace === 'string' ? body.workspace.trim().slice(0, 100) : '';
  // A new account's id, or for a taken address an id that nobody has: both go through the same steps.
  const user = await unwrap(ctx.keel.auth.register({ email, password }, requestContext(req)));
  if (workspace) await ctx.pending.remember(user.id, workspace);
  const cookies = await ctx.devMailbox.bind(user.id);
  sendJson(res, 202, { message: checkYourMail }, cookies.length > 0 ? { 'set-cookie': cookies } : {});
}

/** Signs in (a confirmed email only); the first sign-in creates the user's workspace and its welcome mail. */
export async function login(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const session = await unwrap(
    ctx.keel.auth.login(
      { email: stringField(body, 'email', 254), password: stringField(body, 'password', 256) },
      requestContext(req),
    ),
  );
  const { userId, email } = session.principal;
  await firstWorkspace(ctx, userId, email);
  const { cookies, csrfToken } = ctx.sessions.cookies(session);
  sendJson(res, 200, { user: { id: userId, email }, csrfToken }, { 'set-cookie': cookies });
}

export async function logout(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  await ctx.sessions.required(req);
  await unwrap(ctx.keel.auth.logout(ctx.sessions.token(req) ?? ''));
  sendJson(res, 200, { ok: true }, { 'set-cookie': [clearSessionCookie()] });
}

/** `{ token }` from the verification link: confirms the email, after which the user can sign in. */
export async function verifyEmail(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = stringField(await readBody(req), 'token', 200);
  await unwrap(ctx.keel.auth.verifyEmail(token));
  sendJson(res, 200, { message: 'Your email is confirmed: log in.' });
}

/** `{ token, password }` from a reset link (also an `account-exists` notice's): a new password, sessions ended. */
export async function resetPassword(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const token = stringField(body, 'token', 200);
  await unwrap(ctx.keel.auth.completePasswordReset(token, stringField(body, 'password', 256)));
  sendJson(res, 200, { message: 'Your password is changed: log in with the new one.' });
}

/**
 * The pages the mailed links open. They change nothing themselves (a mail scanner that follows the
 * link spends no token): their button posts the token as JSON, like every other change.
 */
export async function verifyPage(_ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  sendHtml(res, renderPage({ view: 'verify', token: tokenParam(req) }));
}

export async function resetPage(_ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  sendHtml(res, renderPage({ view: 'reset', token: tokenParam(req) }));
}

async function firstWorkspace(ctx: AppContext, userId: string, email: string): Promise<void> {
  if ((await ctx.store.workspacesOf(userId)).length > 0) return;
  const name = (await ctx.pending.name(userId)) ?? `${email.split('@')[0]}'s workspace`;
  const envelope = { from: sender, to: [email], idempotencyKey: `welcome:${userId}` };
  const welcome = await unwrap(ctx.templates.message('welcome', { email, workspace: name }, envelope));
  await ctx.store.createFirstWorkspace(userId, name, welcome);
  await ctx.pending.forget(userId);
}

function tokenParam(req: IncomingMessage): string {
  return (new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? '').slice(0, 200);
}

function requestContext(req: IncomingMessage): { ip?: string; userAgent?: string } {
  return { ip: req.socket.remoteAddress ?? '0.0.0.0', userAgent: req.headers['user-agent'] ?? '' };
}
