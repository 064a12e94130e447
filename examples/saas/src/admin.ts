import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { KeelConfigError } from '@keel/core';
import { HttpError } from './http-errors.js';

const minTokenLength = 32;

export type AdminCheck = ReturnType<typeof createAdminCheck>;

/**
 * Who is the operator: a caller with `Authorization: Bearer <KEEL_APP_ADMIN_TOKEN>`. A token, not
 * a user role, because what it opens (`/health`'s details) is read by monitors and operators
 * that have no browser session. Without a token configured there is no admin over HTTP.
 *
 * @example
 * const admin = createAdminCheck(process.env.KEEL_APP_ADMIN_TOKEN);
 * if (admin.isAdmin(req)) sendJson(res, 200, details); // throws 401 for a wrong token
 */
export function createAdminCheck(token: string | undefined) {
  if (token !== undefined && token.length < minTokenLength)
    throw new KeelConfigError([`KEEL_APP_ADMIN_TOKEN: expected ${minTokenLength}+ characters, got ${token.length}`]);
  const expected = token === undefined ? undefined : digest(token);
  return {
    /** `false` without an `Authorization` header; `true` for the admin token; 401 for anything else. */
    isAdmin(req: IncomingMessage): boolean {
      const header = req.headers.authorization;
      if (header === undefined) return false;
      const match = /^Bearer ([^\s]+)$/i.exec(header);
      // Digests of equal length, compared in constant time: the answer's timing says nothing of the token.
      if (expected && match?.[1] && timingSafeEqual(digest(match[1]), expected)) return true;
      throw new HttpError(401, 'UNAUTHENTICATED', 'The admin token is wrong (or no admin token is configured)');
    },
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
