import { context, type Context } from '@opentelemetry/api';
import { ResultAsync, err, errAsync, ok, okAsync, type Result } from 'neverthrow';
import { runSync, type SyncGuardErrors } from '../lifecycle/guarded-call-sync.js';
import type { GuardErrors } from '../lifecycle/guarded-call.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import { isPromiseLike, type MaybePromise } from '../lifecycle/promise-like.js';
import type { CallObserver, CallWatch } from './call-observer.js';

/**
 * `guardedCall` with the call watched: the same lifecycle, errors and synchronous fast path,
 * plus a span (the driver runs inside it, so what the driver calls nests under it) and the
 * call's metrics. A synchronous driver result ends the watch before the `ResultAsync` exists.
 */
export function observedCall<T, E>(
  observer: CallObserver,
  lifecycle: Lifecycle,
  errors: GuardErrors<E>,
  op: string,
  call: () => MaybePromise<T>,
  key: string | undefined,
  statement: string | undefined,
  parent: Context | undefined,
): ResultAsync<T, E> {
  const watch = observer.begin(op, statement, parent);
  if (lifecycle.ended) return failed(watch, errors.notOpen(op));
  if (lifecycle.state === 'open') return invoke(watch, lifecycle, errors, op, call, key);
  return new ResultAsync(
    lifecycle.open().then(
      () => invoke(watch, lifecycle, errors, op, call, key),
      (thrown: unknown) => failed(watch, errors.fromThrown(thrown, 'open')),
    ),
  );
}

/** `guardedCallSync` with the call watched. */
export function observedCallSync<T, E>(
  observer: CallObserver,
  lifecycle: Lifecycle,
  errors: SyncGuardErrors<E>,
  op: string,
  call: () => MaybePromise<T>,
  key: string | undefined,
  statement: string | undefined,
  parent: Context | undefined,
): Result<T, E> {
  const watch = observer.begin(op, statement, parent);
  const outcome =
    watch.context === undefined
      ? runSync(lifecycle, errors, op, call, key)
      : context.with(watch.context, runSync<T, E>, undefined, lifecycle, errors, op, call, key);
  watch.end(outcome.isErr() ? outcome.error : undefined);
  return outcome;
}

function invoke<T, E>(
  watch: CallWatch,
  lifecycle: Lifecycle,
  errors: GuardErrors<E>,
  op: string,
  call: () => MaybePromise<T>,
  key: string | undefined,
): ResultAsync<T, E> {
  let value: MaybePromise<T>;
  try {
    value = watch.context === undefined ? call() : context.with(watch.context, call);
  } catch (thrown) {
    return failed(watch, errors.fromThrown(thrown, op, key));
  }
  if (!isPromiseLike(value)) {
    watch.end();
    return okAsync(value);
  }
  lifecycle.enter();
  return new ResultAsync(
    Promise.resolve(value).then(
      (resolved) => {
        lifecycle.leave();
        watch.end();
        return ok(resolved);
      },
      (thrown: unknown) => {
        lifecycle.leave();
        const error = errors.fromThrown(thrown, op, key);
        watch.end(error);
        return err(error);
      },
    ),
  );
}

function failed<E>(watch: CallWatch, error: E): ResultAsync<never, E> {
  watch.end(error);
  return errAsync(error);
}
