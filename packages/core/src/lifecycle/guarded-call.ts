import type { Context } from '@opentelemetry/api';
import { ResultAsync, err, errAsync, ok, okAsync } from 'neverthrow';
import { observedCall } from '../observability/observed-call.js';
import type { Lifecycle } from './lifecycle.js';
import { isPromiseLike, type MaybePromise } from './promise-like.js';

/** How one interface's guard turns failures into its own error type. */
export interface GuardErrors<E> {
  /** Anything an adapter threw or rejected with; keeps an error of the interface's type as it is. */
  fromThrown(thrown: unknown, op: string, key?: string): E;
  /** A call after `close()`. */
  notOpen(op: string): E;
}

/**
 * Runs one adapter call under the lifecycle: the first call opens the adapter, a call after
 * `close()` is `NOT_OPEN`, and a throw or rejection becomes an `Err`. A synchronous driver
 * result skips the extra promise hop, which keeps the guard's cost near the raw call.
 * When the instance is observed and something records calls, the observed twin runs instead;
 * otherwise observing costs the one check below. `statement` (sql text) and `parent` (the
 * span of the transaction the call belongs to) are for observation only.
 */
export function guardedCall<T, E>(
  lifecycle: Lifecycle,
  errors: GuardErrors<E>,
  op: string,
  call: () => MaybePromise<T>,
  key?: string,
  statement?: string,
  parent?: Context,
): ResultAsync<T, E> {
  const observer = lifecycle.observer;
  if (observer?.hub.watching) return observedCall(observer, lifecycle, errors, op, call, key, statement, parent);
  if (lifecycle.state === 'open' && !lifecycle.ended) return invoke(lifecycle, errors, op, call, key);
  if (lifecycle.ended) return errAsync(errors.notOpen(op));
  return new ResultAsync(
    lifecycle.open().then(
      () => invoke(lifecycle, errors, op, call, key),
      (thrown: unknown) => err(errors.fromThrown(thrown, 'open')),
    ),
  );
}

function invoke<T, E>(
  lifecycle: Lifecycle,
  errors: GuardErrors<E>,
  op: string,
  call: () => MaybePromise<T>,
  key: string | undefined,
): ResultAsync<T, E> {
  let value: MaybePromise<T>;
  try {
    value = call();
  } catch (thrown) {
    return errAsync(errors.fromThrown(thrown, op, key));
  }
  if (!isPromiseLike(value)) return okAsync(value);
  lifecycle.enter();
  return new ResultAsync(
    Promise.resolve(value).then(
      (resolved) => {
        lifecycle.leave();
        return ok(resolved);
      },
      (thrown: unknown) => {
        lifecycle.leave();
        return err(errors.fromThrown(thrown, op, key));
      },
    ),
  );
}
