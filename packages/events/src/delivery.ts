import { err, ok, runInContext, type Result } from '@keel/core';
import type { DeliveryContext, EventHandler, StoredEvent } from './event-types.js';

/**
 * Calls a handler in the context the event was published in (actor, correlation id, tenant
 * id; fields the event lacks are cleared, not inherited). A throw, a rejection and an `Err`
 * are failures; anything else is success.
 */
export async function invoke(
  handler: EventHandler,
  event: StoredEvent,
  context: DeliveryContext,
): Promise<Result<void, unknown>> {
  const { actor, correlationId, tenantId } = event.metadata;
  try {
    const outcome = await runInContext({ actor, correlationId, tenantId }, () => handler(event, context));
    if (isErr(outcome)) return err(outcome.error);
    return ok(undefined);
  } catch (thrown) {
    return err(thrown);
  }
}

/** The failure's words, for checkpoints and dead letters. */
export function describeFailure(error: unknown): string {
  const text =
    error instanceof Error
      ? `${error.name}: ${error.message}`
      : typeof error === 'string'
        ? error
        : JSON.stringify(error);
  return (text ?? String(error)).slice(0, 2000);
}

/** "Equal jitter": half the cap, plus up to the other half at random. */
export function backoffMs(
  attempt: number,
  retry: { readonly initialDelayMs: number; readonly maxDelayMs: number; readonly multiplier: number },
): number {
  const cap = Math.min(retry.maxDelayMs, retry.initialDelayMs * retry.multiplier ** (attempt - 1));
  return Math.floor(cap / 2 + (Math.random() * cap) / 2);
}

function isErr(value: unknown): value is { error: unknown } {
  return typeof (value as { isErr?: unknown } | null)?.isErr === 'function' && (value as { isErr(): boolean }).isErr();
}
