import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who is acting, for whom and within what, carried across `await`s for the length of a request,
 * job or event delivery. The platform packages read it: repositories stamp and filter by
 * `tenantId` and write `actor` and `correlationId` into the audit trail; events and jobs store
 * it with what they enqueue and restore it when it runs.
 */
export interface KeelContext {
  /** The tenant every tenant-scoped read and write is limited to. */
  readonly tenantId?: string;
  /** Who acts: a user id, or a name such as `system:jobs`. */
  readonly actor?: string;
  /** Ties together the records one request or job leaves behind (a request id, a job id). */
  readonly correlationId?: string;
}

const storage = new AsyncLocalStorage<KeelContext>();
const empty: KeelContext = Object.freeze({});

/**
 * Runs `fn` with `context` laid over the current one (fields left out keep their outer value,
 * fields given as `undefined` clear it) and returns what `fn` returns.
 *
 * @example
 * app.use((req, res, next) =>
 *   runInContext({ tenantId: req.session.workspaceId, actor: req.session.userId, correlationId: req.id }, next),
 * );
 */
export function runInContext<T>(context: KeelContext, fn: () => T): T {
  if (context === null || typeof context !== 'object') {
    throw new TypeError('runInContext: expected a context object such as { tenantId, actor, correlationId }');
  }
  for (const [field, value] of Object.entries(context)) {
    if (value !== undefined && typeof value !== 'string') {
      throw new TypeError(`runInContext: context.${field} must be a string or undefined, got ${typeof value}`);
    }
  }
  return storage.run(Object.freeze({ ...currentContext(), ...context }), fn);
}

/**
 * The context the caller runs in: what the nearest `runInContext` set, or an empty one.
 *
 * @example
 * const { tenantId } = currentContext();
 */
export function currentContext(): KeelContext {
  return storage.getStore() ?? empty;
}
