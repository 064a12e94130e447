import { err, errAsync, ok, type ResultAsync } from 'neverthrow';
import { toInterfaceError } from '../errors/to-interface-error.js';
import { adapterLifecycle } from '../lifecycle/adapter-lifecycle.js';
import { guardedCall, type GuardErrors } from '../lifecycle/guarded-call.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import type { AuthCapabilities } from './auth-capabilities.js';
import type { Auth } from './auth-contract.js';
import type { AuthDriver } from './auth-driver.js';
import { AuthError } from './auth-errors.js';
import { hasPermission } from './auth-permissions.js';
import {
  ArgumentProblem,
  checkIdArgument,
  checkPermissionArgument,
  checkPrincipalArgument,
  checkProviderArgument,
  checkRolesArgument,
  checkTokenArgument,
  normalizeCallbackParams,
  normalizeContext,
  normalizeEmailArgument,
  normalizeOidcOptions,
  normalizePasswordArgument,
  recordArgument,
} from './auth-validate.js';

type Checked<T> = T | ArgumentProblem;
type Unchecked<T extends readonly unknown[]> = { readonly [K in keyof T]: Checked<T[K]> };

/**
 * Wraps an auth driver in core's guard and returns the `Auth` callers use: arguments are checked
 * and normalised (wrong JavaScript types throw `TypeError`; bad values are `INVALID_ARGUMENT`,
 * malformed tokens `INVALID_TOKEN`), operations whose capability is off are `UNSUPPORTED`, the
 * lifecycle is enforced, and anything the driver throws becomes an `Err`.
 *
 * @example
 * export function createLocalAuth(options: LocalAuthOptions): Auth {
 *   return defineAuth({ adapter: 'local', capabilities, verifySession, login, … });
 * }
 */
export function defineAuth(driver: AuthDriver): Auth {
  const adapter = driver.adapter;
  const capabilities: AuthCapabilities = Object.freeze({ ...driver.capabilities });
  const lifecycle = new Lifecycle(
    () => driver.open?.(),
    () => driver.close?.(),
  );
  const errors: GuardErrors<AuthError> = {
    fromThrown: (thrown, op) => toAuthError(thrown, adapter, op),
    notOpen: (op) => new AuthError({ code: 'NOT_OPEN', message: `auth adapter '${adapter}' is closed`, adapter, op }),
  };

  /** Answers the first argument problem, or runs `fn` with the checked values under the lifecycle. */
  function run<A extends readonly unknown[], T>(
    op: string,
    args: Unchecked<A>,
    fn: (...values: A) => MaybePromise<T>,
  ): ResultAsync<T, AuthError> {
    const problem = args.find((a): a is ArgumentProblem => a instanceof ArgumentProblem);
    if (problem) return errAsync(new AuthError({ code: problem.code, message: problem.message, adapter, op }));
    return guardedCall(lifecycle, errors, op, () => fn(...(args as unknown as A)));
  }

  /** The driver's optional method when its capabilities allow it, or why not. */
  function needs<M extends keyof AuthDriver>(
    op: M,
    ...required: (keyof AuthCapabilities)[]
  ): NonNullable<AuthDriver[M]> | AuthError {
    const missing = required.find((c) => !capabilities[c]);
    const method = driver[op];
    if (missing === undefined && typeof method === 'function') return method.bind(driver) as NonNullable<AuthDriver[M]>;
    const why = missing === undefined ? `does not implement ${String(op)}` : `has no '${missing}' capability`;
    return new AuthError({ code: 'UNSUPPORTED', message: `auth adapter '${adapter}' ${why}`, adapter, op: String(op) });
  }

  const auth: Auth = {
    adapter,
    capabilities,

    register(registration, context) {
      const r = recordArgument('register', 'registration', registration);
      const args = [
        normalizeEmailArgument('register', r.email),
        normalizePasswordArgument('register', r.password),
        normalizeContext('register', context),
      ] as const;
      const method = needs('register', 'passwords');
      if (method instanceof AuthError) return errAsync(method);
      return run('register', args, (email, password, ctx) => method({ email, password }, ctx));
    },
    login(credentials, context) {
      const c = recordArgument('login', 'credentials', credentials);
      const args = [
        normalizeEmailArgument('login', c.email),
        normalizePasswordArgument('login', c.password),
        normalizeContext('login', context),
      ] as const;
      const method = needs('login', 'passwords');
      if (method instanceof AuthError) return errAsync(method);
      return run('login', args, (email, password, ctx) => method({ email, password }, ctx));
    },
    verifySession(token) {
      return run('verifySession', [checkTokenArgument('verifySession', token)], (t) => driver.verifySession(t));
    },
    verifyAccessToken(token) {
      const args = [checkTokenArgument('verifyAccessToken', token)] as const;
      const method = needs('verifyAccessToken', 'accessTokens');
      if (method instanceof AuthError) return errAsync(method);
      return run('verifyAccessToken', args, (t) => method(t));
    },
    refresh(refreshToken, context) {
      const args = [
        checkTokenArgument('refresh', refreshToken, 'refreshToken'),
        normalizeContext('refresh', context),
      ] as const;
      const method = needs('refresh', 'accessTokens');
      if (method instanceof AuthError) return errAsync(method);
      return run('refresh', args, (t, ctx) => method(t, ctx));
    },
    logout(token) {
      return run('logout', [checkTokenArgument('logout', token)], (t) => driver.logout(t));
    },
    logoutEverywhere(userId) {
      return run('logoutEverywhere', [checkIdArgument('logoutEverywhere', userId, 'userId')], (id) =>
        driver.logoutEverywhere(id),
      );
    },
    revokeSession(sessionId) {
      return run('revokeSession', [checkIdArgument('revokeSession', sessionId, 'sessionId')], (id) =>
        driver.revokeSession(id),
      );
    },
    changePassword(token, currentPassword, newPassword) {
      const op = 'changePassword';
      const args = [
        checkTokenArgument(op, token),
        normalizePasswordArgument(op, currentPassword, 'currentPassword'),
        normalizePasswordArgument(op, newPassword, 'newPassword'),
      ] as const;
      const method = needs(op, 'passwords');
      if (method instanceof AuthError) return errAsync(method);
      return run(op, args, (t, current, next) => method(t, current, next));
    },
    requestPasswordReset(email, context) {
      const op = 'requestPasswordReset';
      const args = [normalizeEmailArgument(op, email), normalizeContext(op, context)] as const;
      const method = needs(op, 'passwords', 'tokenDelivery');
      if (method instanceof AuthError) return errAsync(method);
      return run(op, args, (e, ctx) => method(e, ctx));
    },
    completePasswordReset(token, newPassword, context) {
      const op = 'completePasswordReset';
      const args = [
        checkTokenArgument(op, token),
        normalizePasswordArgument(op, newPassword, 'newPassword'),
        normalizeContext(op, context),
      ] as const;
      const method = needs(op, 'passwords');
      if (method instanceof AuthError) return errAsync(method);
      return run(op, args, (t, password, ctx) => method(t, password, ctx));
    },
    requestEmailVerification(userId) {
      const op = 'requestEmailVerification';
      const args = [checkIdArgument(op, userId, 'userId')] as const;
      const method = needs(op, 'tokenDelivery');
      if (method instanceof AuthError) return errAsync(method);
      return run(op, args, (id) => method(id));
    },
    verifyEmail(token) {
      return run('verifyEmail', [checkTokenArgument('verifyEmail', token)], (t) => driver.verifyEmail(t));
    },
    getUser(userId) {
      return run('getUser', [checkIdArgument('getUser', userId, 'userId')], (id) => driver.getUser(id));
    },
    setRoles(userId, roles) {
      const args = [checkIdArgument('setRoles', userId, 'userId'), checkRolesArgument('setRoles', roles)] as const;
      return run('setRoles', args, (id, list) => driver.setRoles(id, list));
    },
    authorize(principal, permission) {
      const checked = checkPrincipalArgument('authorize', principal);
      const args = [checkPermissionArgument('authorize', permission)] as const;
      const decide = (p: string) =>
        driver.authorize ? driver.authorize(checked, p) : hasPermission(checked.permissions, p);
      return run('authorize', args, decide).andThen((allowed) =>
        allowed
          ? ok(undefined)
          : err(
              new AuthError({
                code: 'ACCESS_DENIED',
                message: `permission '${String(permission)}' is not granted`,
                adapter,
                op: 'authorize',
              }),
            ),
      );
    },
    beginOidcLogin(provider, options) {
      const op = 'beginOidcLogin';
      const args = [checkProviderArgument(op, provider), normalizeOidcOptions(op, options)] as const;
      const method = needs(op, 'oidc');
      if (method instanceof AuthError) return errAsync(method);
      return run(op, args, (p, o) => method(p, o));
    },
    completeOidcLogin(provider, params, context) {
      const op = 'completeOidcLogin';
      const args = [
        checkProviderArgument(op, provider),
        normalizeCallbackParams(op, params),
        normalizeContext(op, context),
      ] as const;
      const method = needs(op, 'oidc');
      if (method instanceof AuthError) return errAsync(method);
      return run(op, args, (p, values, ctx) => method(p, values, ctx));
    },

    ...adapterLifecycle(adapter, lifecycle, errors, () => driver.health?.()),
  };
  return Object.freeze(auth);
}

/** Keeps an `AuthError` (filling in adapter and op); anything else becomes `INTERNAL` with the original as `cause`. */
function toAuthError(thrown: unknown, adapter: string, op: string): AuthError {
  return toInterfaceError(AuthError, 'auth', thrown, adapter, op);
}
