import type { KeelContext, SqlValue } from '@keel/core';
import type { StoredBackoff } from './backoff.js';
import type { JobFailure, JobInfo, JobState } from './jobs-types.js';

/** A job as a worker claims it. */
export interface ClaimedJob {
  readonly id: string;
  readonly queue: string;
  /** The payload's JSON text, parsed (and validated) just before the handler runs. */
  readonly payload: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly backoff: string;
  readonly timeoutMs: number;
  readonly context: string | null;
  readonly tickKey: string | null;
  readonly createdAt: number;
  /** The enqueuer's trace context (JSON), when it was traced. */
  readonly trace: string | null;
}

/** A row of `jobsStatements().claim`'s `RETURNING` list. */
export function claimedFromRow(row: readonly SqlValue[]): ClaimedJob {
  const [id, queue, payload, attempts, maxAttempts, backoff, timeoutMs, context, tickKey, createdAt, trace] = row;
  return {
    id: id as string,
    queue: queue as string,
    payload: payload as string,
    attempt: Number(attempts),
    maxAttempts: Number(maxAttempts),
    backoff: backoff as string,
    timeoutMs: Number(timeoutMs),
    context: context as string | null,
    tickKey: tickKey as string | null,
    createdAt: Number(createdAt),
    trace: typeof trace === 'string' ? trace : null,
  };
}

/** A row of `jobColumns`. */
export function jobFromRow(row: readonly SqlValue[]): JobInfo {
  const [id, queue, name, state, payload, priority, runAt, attempts, maxAttempts, dedupeKey, tickKey, context] = row;
  const [progress, result, error, worker, createdAt, startedAt, finishedAt] = row.slice(12);
  return {
    id: id as string,
    name: name as string,
    queue: queue as string,
    state: state as JobState,
    payload: readJson(payload),
    priority: Number(priority),
    attempts: Number(attempts),
    maxAttempts: Number(maxAttempts),
    runAt: Number(runAt),
    dedupeKey: (dedupeKey as string | null) ?? undefined,
    schedule: scheduleOf(tickKey as string | null),
    context: (readJson(context) as KeelContext | undefined) ?? {},
    progress: readJson(progress),
    result: readJson(result),
    error: readJson(error) as JobFailure | undefined,
    worker: (worker as string | null) ?? undefined,
    createdAt: Number(createdAt),
    startedAt: optionalNumber(startedAt),
    finishedAt: optionalNumber(finishedAt),
  };
}

/** The key that makes a schedule's tick fire once: `<schedule>@<tick ms>`. */
export function tickKey(schedule: string, tick: number): string {
  return `${schedule}@${tick}`;
}

/** The schedule and tick a tick key names. */
export function scheduleOf(key: string | null): { name: string; tick: number } | undefined {
  if (key === null) return undefined;
  const at = key.lastIndexOf('@');
  return { name: key.slice(0, at), tick: Number(key.slice(at + 1)) };
}

export function readBackoff(text: string): StoredBackoff {
  return JSON.parse(text) as StoredBackoff;
}

/** JSON text as a value; text that is not JSON (written by hand) stays text. */
function readJson(value: SqlValue | undefined): unknown {
  if (value === null || value === undefined || typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function optionalNumber(value: SqlValue | undefined): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}
