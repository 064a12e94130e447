import type { Context } from '@opentelemetry/api';
import { err, ok, type Result } from 'neverthrow';
import { observedCallSync } from '../observability/observed-call.js';
import type { GuardErrors } from './guarded-call.js';
import type { Lifecycle } from './lifecycle.js';
import { isPromiseLike, type MaybePromise } from './promise-like.js';

/** What a synchronous facet adds to a guard's errors: a call that cannot be answered right now. */
export interface SyncGuardErrors<E> extends GuardErrors<E> {
  /** The adapter is busy (still opening, or held by asynchronous work) and a synchronous call cannot wait. */
  busy(op: string, message: string): E;
}

/**
 * `guardedCall` for a synchronous facet: the same lifecycle and the same conversion of throws,
 * but the outcome is a `Result`, because the caller (a wasm guest's import, in-thread) cannot
 * await. The first call opens a synchronous driver at once; a call during an asynchronous open
 * is `busy`. A driver that answers with a promise here breaks its `synchronous` promise: the
 * call is an `INTERNAL` Err and the promise's outcome is dropped.
 */
export function guardedCallSync<T, E>(
  lifecycle: Lifecycle,
  errors: SyncGuardErrors<E>,
  op: string,
  call: () => MaybePromise<T>,
  key?: string,
  statement?: string,
  parent?: Context,
): Result<T, E> {
  const observer = lifecycle.observer;
  if (observer?.hub.watching) return observedCallSync(observer, lifecycle, errors, op, call, key, statement, parent);
  return runSync(lifecycle, errors, op, call, key);
}

/** The synchronous call itself, observed or not. */
export function runSync<T, E>(
  lifecycle: Lifecycle,
  errors: SyncGuardErrors<E>,
  op: string,
  call: () => MaybePromise<T>,
  key: string | undefined,
): Result<T, E> {
  if (lifecycle.state !== 'open' || lifecycle.ended) {
    const refused = openNow(lifecycle, errors, op);
    if (refused !== undefined) return err(refused);
  }
  let value: MaybePromise<T>;
  try {
    value = call();
  } catch (thrown) {
    return err(errors.fromThrown(thrown, op, key));
  }
  if (!isPromiseLike(value)) return ok(value);
  Promise.resolve(value).catch(() => undefined);
  return err(
    errors.fromThrown(new Error(`the adapter declares itself synchronous but answered ${op} with a promise`), op, key),
  );
}

function openNow<E>(lifecycle: Lifecycle, errors: SyncGuardErrors<E>, op: string): E | undefined {
  if (lifecycle.ended) return errors.notOpen(op);
  const before = lifecycle.lastFailure;
  try {
    lifecycle.start();
  } catch (thrown) {
    return errors.fromThrown(thrown, 'open');
  }
  if (lifecycle.state === 'open') return undefined;
  // An asynchronous open: say why the previous one failed, if it did, so a broken store is visible.
  const failed =
    before === undefined
      ? ''
      : ` (the last attempt failed: ${before instanceof Error ? before.message : String(before)})`;
  return errors.busy(op, `the adapter is still opening${failed}; a synchronous call cannot wait (await open() first)`);
}
