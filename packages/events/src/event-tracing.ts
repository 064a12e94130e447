import {
  captureTraceContext,
  runWithTraceContext,
  type CallWatch,
  type KeelObservability,
  type TraceCarrier,
} from '@keel/core';
import type { PreparedEvent } from './event-registry.js';
import type { RawEvent } from './event-rows.js';

/**
 * The span of one publish, and the trace context its events store (its own, as JSON): called
 * only while `observability.tracing`, so a store that records no traces captures nothing.
 */
export function publishSpan(
  observability: KeelObservability,
  events: readonly PreparedEvent[],
): { readonly watch: CallWatch; readonly trace: string | null } | undefined {
  const types = [...new Set(events.map((e) => e.type))];
  const watch = observability.span('events publish', {
    attributes: { 'keel.event.type': types.join(','), 'keel.events.count': events.length },
  });
  if (watch === undefined) return undefined;
  const carrier = watch.within(captureTraceContext);
  return { watch, trace: carrier.traceparent === undefined ? null : JSON.stringify(carrier) };
}

/** What a delivery's span records of how it went. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'dead' | 'lease-lost';

/**
 * The span of one delivery to one group, a child of the span its event was published in (when
 * the event stored one), else the start of a trace. Called only while `observability.tracing`.
 */
export function deliverySpan(
  observability: KeelObservability,
  raw: RawEvent,
  group: string,
  attempt: number,
): CallWatch | undefined {
  const start = () =>
    observability.span('events deliver', {
      attributes: {
        'keel.event.type': raw.type,
        'keel.event.group': group,
        'keel.event.stream': raw.aggregateId,
        'keel.event.position': raw.position,
        'keel.attempt': attempt,
      },
    });
  return raw.trace === null ? start() : runWithTraceContext(parseCarrier(raw.trace), start);
}

/** Ends a delivery's span with its outcome; a failed one is an error coded `HANDLER_FAILED`. */
export function endDelivery(watch: CallWatch | undefined, outcome: DeliveryOutcome): void {
  if (watch === undefined) return;
  watch.set('keel.event.outcome', outcome);
  watch.end(outcome === 'delivered' ? undefined : { code: outcome === 'lease-lost' ? 'LEASE_LOST' : 'HANDLER_FAILED' });
}

/** A stored carrier; one that is not JSON is no trace (the delivery starts its own). */
function parseCarrier(text: string): TraceCarrier | undefined {
  try {
    return JSON.parse(text) as TraceCarrier;
  } catch {
    return undefined;
  }
}
