import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Kv } from '@keel/core';
import { readCookie, sessionCookie } from '@keel/adapter-auth';
import { unwrap } from './http-errors.js';

const cookieName = '__Host-dev-mailbox';
const ttlMs = 24 * 60 * 60 * 1000;
const tokenShape = /^[A-Za-z0-9_-]{43}$/;

/**
 * The dev mailbox. While the app's mail goes to the dev provider (email adapter `outbox`: `.eml`
 * files or memory, nothing leaves the machine), nobody has an inbox to open a verification link
 * from; so the browser that signed up may read, signed out, the mail of the user id its sign-up
 * answered. That id is a new account's, or for an address that already has an account one that
 * nobody has (auth's `registration.enumeration: 'hide'`): such a browser sees no mail at all,
 * never the owner's notice and its reset link. With a real provider `enabled` is false: no cookie,
 * no signed-out mail.
 *
 * @example
 * const mailbox = createDevMailbox(keel.kv, keel.email.adapter === 'outbox');
 * const cookies = await mailbox.bind(user.id); // Set-Cookie values, [] when not enabled
 * const userId = await mailbox.userId(req); // later, signed out
 */
export function createDevMailbox(kv: Kv, enabled: boolean) {
  return {
    enabled,

    /** Ties a new random cookie to `userId` for a day; the Set-Cookie values ([] when not enabled). */
    async bind(userId: string): Promise<string[]> {
      if (!enabled) return [];
      const token = randomBytes(32).toString('base64url');
      await unwrap(kv.set(`app:dev-mailbox:${token}`, userId, { ttlMs }));
      return [sessionCookie(token, Date.now() + ttlMs, { name: cookieName })];
    },

    /** The user id this browser's cookie is tied to, if enabled and any. */
    async userId(req: IncomingMessage): Promise<string | undefined> {
      if (!enabled) return undefined;
      const token = readCookie(req.headers.cookie, cookieName);
      if (!token || !tokenShape.test(token)) return undefined;
      const userId = await unwrap(kv.get(`app:dev-mailbox:${token}`));
      return typeof userId === 'string' ? userId : undefined;
    },
  };
}

export type DevMailbox = ReturnType<typeof createDevMailbox>;
