import type { Kv } from '@keel/core';
import { unwrap } from './http-errors.js';

const ttlMs = 7 * 24 * 60 * 60 * 1000;

/**
 * The workspace name chosen at sign-up, kept in kv until the first sign-in creates the workspace
 * (an account exists to the app only once its email is confirmed). Keyed by the user id sign-up
 * answered, which for an address that already has an account is nobody's: that entry just expires.
 *
 * @example
 * const pending = createPendingWorkspaces(keel.kv);
 * await pending.remember(user.id, 'Acme');
 * const name = await pending.name(principal.userId); // 'Acme'
 * await pending.forget(principal.userId); // once the workspace exists
 */
export function createPendingWorkspaces(kv: Kv) {
  return {
    async remember(userId: string, name: string): Promise<void> {
      await unwrap(kv.set(`app:pending-workspace:${userId}`, name, { ttlMs }));
    },
    async name(userId: string): Promise<string | undefined> {
      const name = await unwrap(kv.get(`app:pending-workspace:${userId}`));
      return typeof name === 'string' ? name : undefined;
    },
    async forget(userId: string): Promise<void> {
      await unwrap(kv.delete(`app:pending-workspace:${userId}`));
    },
  };
}

export type PendingWorkspaces = ReturnType<typeof createPendingWorkspaces>;
