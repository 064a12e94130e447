import { betterAuthAdapter } from '@keel/adapter-auth-better-auth';
import type { AuthTokenMessage } from '@keel/adapter-auth';
import { defineAdapter } from '@keel/core/adapter';

/**
 * `@keel/adapter-auth-better-auth` (profile `better-auth`) with its verification and reset
 * tokens handed to the app's transactional outbox, as `localAuthWithAppMail` does for `local`:
 * the same `deliverToken`, so the routes and the mails are the same whichever adapter serves auth.
 *
 * @example
 * const keel = await createKeel(config, { adapters: [betterAuthWithAppMail(authMail.deliverToken), ...others] });
 */
export function betterAuthWithAppMail(deliver: (message: AuthTokenMessage) => Promise<void>): typeof betterAuthAdapter {
  return defineAdapter({
    ...betterAuthAdapter,
    create: (options, context) => betterAuthAdapter.create({ ...options, deliverToken: deliver }, context),
  });
}
