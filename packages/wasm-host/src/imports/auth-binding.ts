import type { Auth, AuthError, AuthPrincipal } from '@keel/core';
import { authErrorToWit, userToWit } from '../convert/auth-convert.js';
import type { Binding, BindingContext } from './binding.js';
import { settle } from './adapter-calls.js';

/**
 * What a component may do with `auth`: check who a caller is and what they may do. Creating
 * accounts, logging in, resetting passwords or changing roles stay with the app, where the
 * request, its cookies and its rate limits are.
 */
export const servedAuthFunctions = ['verifySession', 'verifyAccessToken', 'getUser', 'authorize'] as const;

/**
 * `keel:infrastructure/auth` for a guest, served by an auth adapter: the verification functions
 * above; every other function is `access-denied`, and logged.
 */
export function authBinding(auth: Auth, everything: readonly string[], ctx: BindingContext): Binding {
  const fail = (error: AuthError): never => {
    throw authErrorToWit(error);
  };
  const functions: Record<string, (...args: never[]) => unknown> = {
    verifySession: (token: string) => settle(auth.verifySession(token), (principal) => principal, fail),
    verifyAccessToken: (token: string) => settle(auth.verifyAccessToken(token), (principal) => principal, fail),
    getUser: (userId: string) =>
      settle(auth.getUser(userId), (user) => (user === undefined ? undefined : userToWit(user)), fail),
    authorize: (principal: AuthPrincipal, permission: string) =>
      settle(auth.authorize(principal, permission), () => undefined, fail),
  };
  for (const fn of everything) {
    if (!(fn in functions)) {
      functions[fn] = () => {
        throw ctx.denied(
          'auth',
          fn,
          `components may use ${servedAuthFunctions.join(', ')} of auth; ${fn} stays with the app`,
        );
      };
    }
  }
  return functions;
}
