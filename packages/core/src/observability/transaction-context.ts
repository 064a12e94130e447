import { context, type Context } from '@opentelemetry/api';

// A transaction's span, by the transaction object callers hold: `transaction(fn)` runs its body
// inside it, so that whatever the body calls (kv, another database) nests under the transaction.
const contexts = new WeakMap<object, Context>();

/** Notes the span context of a guarded transaction object. */
export function rememberTransactionContext(tx: object, ctx: Context): void {
  contexts.set(tx, ctx);
}

/** Runs `fn` inside `tx`'s span when it has one, else as it is. */
export function inTransactionContext<T>(tx: object, fn: () => T): T {
  const ctx = contexts.get(tx);
  return ctx === undefined ? fn() : context.with(ctx, fn);
}
