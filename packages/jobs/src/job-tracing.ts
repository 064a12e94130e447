import {
  captureTraceContext,
  runWithTraceContext,
  type CallWatch,
  type KeelObservability,
  type TraceCarrier,
} from '@keel/core';
import type { ClaimedJob } from './job-rows.js';
import type { AttemptEnd } from './run-attempt.js';

/**
 * The span of one `enqueue`/`enqueueMany`, and the trace context its jobs store (its own, as
 * JSON). Called only while `observability.tracing`, so jobs that record no traces capture nothing.
 */
export function enqueueSpan(
  observability: KeelObservability,
  name: string,
  count: number,
): { readonly watch: CallWatch; readonly trace: string | null } | undefined {
  const watch = observability.span('jobs enqueue', { attributes: { 'keel.job.name': name, 'keel.jobs.count': count } });
  if (watch === undefined) return undefined;
  const carrier = watch.within(captureTraceContext);
  return { watch, trace: carrier.traceparent === undefined ? null : JSON.stringify(carrier) };
}

/**
 * The span of one attempt, a child of the span the job was enqueued in (when it stored one),
 * else the start of a trace. Called only while `observability.tracing`.
 */
export function attemptSpan(observability: KeelObservability, name: string, job: ClaimedJob): CallWatch | undefined {
  const start = () =>
    observability.span('jobs run', {
      attributes: {
        'keel.job.name': name,
        'keel.job.id': job.id,
        'keel.job.queue': job.queue,
        'keel.attempt': job.attempt,
      },
    });
  return job.trace === null ? start() : runWithTraceContext(parseCarrier(job.trace), start);
}

/** What became of an attempt: done, tried again later, dead, or not the worker's to record. */
export type AttemptOutcome = 'completed' | 'retry' | 'dead' | 'cancelled' | 'handed-back';

export function outcomeOf(end: AttemptEnd, job: ClaimedJob): AttemptOutcome {
  if (end.kind === 'completed') return 'completed';
  if (end.kind === 'aborted' && end.reason.code !== 'TIMEOUT') {
    return end.reason.code === 'SHUTDOWN' ? 'handed-back' : 'cancelled';
  }
  const final = end.kind === 'failed' && end.final;
  return final || job.attempt >= job.maxAttempts ? 'dead' : 'retry';
}

/** Ends an attempt's span with its outcome; a failed one carries the failure's code. */
export function endAttempt(watch: CallWatch | undefined, end: AttemptEnd, outcome: AttemptOutcome): void {
  if (watch === undefined) return;
  watch.set('keel.job.outcome', outcome);
  const code = end.kind === 'failed' ? end.failure.code : end.kind === 'aborted' ? end.reason.code : undefined;
  watch.end(code === undefined ? undefined : { code });
}

/** A stored carrier; one that is not JSON is no trace (the attempt starts its own). */
function parseCarrier(text: string): TraceCarrier | undefined {
  try {
    return JSON.parse(text) as TraceCarrier;
  } catch {
    return undefined;
  }
}
