import { localAuthAdapter, type AuthTokenMessage } from '@keel/adapter-auth';
import { defineAdapter } from '@keel/core/adapter';

/**
 * `@keel/adapter-auth`'s `local` adapter with its mail handed to the app: `deliverToken` set to
 * `deliver`, and `email: false`, so that auth sends nothing itself and every verification link,
 * reset link and `account-exists` notice goes through the app's transactional outbox
 * (`auth-mail.ts`). The profile's JSON cannot say this itself (it holds no functions), so the
 * adapter is registered again under the same id, replacing the package's `local` for
 * `auth: { adapter: 'local' }` whatever the profile or a `KEEL_AUTH_ADAPTER` override says.
 *
 * @example
 * const keel = await createKeel(config, { adapters: [localAuthWithAppMail(authMail.deliverToken), ...others] });
 */
export function localAuthWithAppMail(deliver: (message: AuthTokenMessage) => Promise<void>): typeof localAuthAdapter {
  return defineAdapter({
    ...localAuthAdapter,
    create: (options, context) => localAuthAdapter.create({ ...options, email: false, deliverToken: deliver }, context),
  });
}
