import { runInContext, type KeelContext } from '@keel/core';
import type { ClaimedJob } from './job-rows.js';
import { scheduleOf } from './job-rows.js';
import { JobsError, jobsError } from './jobs-errors.js';
import type { JobFailure, JobHandler, RunningJob } from './jobs-types.js';
import type { JobsRuntime } from './jobs-runtime.js';
import { toJson, validatePayload } from './payload.js';

/** How an attempt ended, before it is recorded. */
export type AttemptEnd =
  | { readonly kind: 'completed'; readonly result: string }
  /** `final`: trying again cannot help (the stored payload fails the schema or is not JSON). */
  | { readonly kind: 'failed'; readonly failure: JobFailure; readonly final: boolean }
  /** The signal aborted first: `TIMEOUT` fails the attempt, `SHUTDOWN` hands the job back, the others record nothing. */
  | { readonly kind: 'aborted'; readonly reason: JobsError };

/**
 * Runs one claimed job's handler: parses and validates the payload, restores the job's context,
 * passes a signal that aborts at `timeoutMs` (or when the worker aborts `controller`), and
 * settles at the first of the handler's outcome and the abort, so a handler that never settles
 * holds its slot no longer than its timeout.
 */
export async function runAttempt(
  rt: JobsRuntime,
  name: string,
  handler: JobHandler,
  job: ClaimedJob,
  owner: string,
  controller: AbortController,
): Promise<AttemptEnd> {
  const at = () => rt.clock.now();
  const fail = (
    code: JobFailure['code'],
    message: string,
    final: boolean,
    errorName?: string,
    retryAfterMs?: number,
  ): AttemptEnd => ({
    kind: 'failed',
    failure: {
      code,
      message,
      attempt: job.attempt,
      at: at(),
      ...(errorName === undefined ? {} : { name: errorName }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
    final,
  });
  let stored: unknown;
  try {
    stored = JSON.parse(job.payload);
  } catch (thrown) {
    return fail('UNREADABLE', `the stored payload is not JSON: ${(thrown as Error).message}`, true);
  }
  const payload = await validatePayload(name, rt.definitions[name]?.schema, stored, 'work');
  if (payload.isErr()) return fail('VALIDATION', payload.error.message, true);

  const signal = controller.signal;
  const timer = setTimeout(
    () =>
      controller.abort(
        jobsError('TIMEOUT', 'work', `job '${name}' ${job.id}: the attempt ran past ${job.timeoutMs} ms`),
      ),
    job.timeoutMs,
  );
  const aborted = new Promise<AttemptEnd>((resolve) => {
    const end = () => resolve({ kind: 'aborted', reason: reasonOf(signal.reason) });
    if (signal.aborted) end();
    else signal.addEventListener('abort', end, { once: true });
  });
  const running: RunningJob = {
    id: job.id,
    name,
    queue: job.queue,
    payload: payload.value,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    schedule: scheduleOf(job.tickKey),
    signal,
    progress: (value) =>
      toJson(value, `job '${name}': the progress`, 'progress').asyncAndThen((text) =>
        rt.sql
          .execute(rt.statements.progress, [text, job.id, owner, job.attempt])
          .map((r) => r.rowsAffected === 1)
          .mapErr((cause) => jobsError('DATABASE', 'progress', `storing progress failed: ${cause.message}`, cause)),
      ),
  };
  const completed = (value: unknown): AttemptEnd => {
    const text = toJson(value === undefined ? null : value, `job '${name}': the result`, 'work');
    return text.isOk() ? { kind: 'completed', result: text.value } : fail('HANDLER_FAILED', text.error.message, false);
  };
  const context = { correlationId: job.id, ...parseContext(job.context) };
  const settled = (async (): Promise<AttemptEnd> => {
    try {
      const value = await runInContext(context, () => handler(running));
      if (isResult(value)) {
        if (value.isErr()) {
          const { name: errorName, message } = describe(value.error);
          return fail('HANDLER_FAILED', message, false, errorName, retryAfterOf(value.error));
        }
        return completed(value.value);
      }
      return completed(value);
    } catch (thrown) {
      const { name: errorName, message } = describe(thrown);
      return fail('HANDLER_FAILED', message, false, errorName, retryAfterOf(thrown));
    }
  })();
  try {
    return await Promise.race([settled, aborted]);
  } finally {
    clearTimeout(timer);
  }
}

interface ResultLike {
  isOk(): boolean;
  isErr(): boolean;
  readonly value?: unknown;
  readonly error?: unknown;
}

function isResult(value: unknown): value is ResultLike {
  const r = value as ResultLike | null;
  return typeof r?.isOk === 'function' && typeof r.isErr === 'function';
}

/** A thrown value as a recorded failure: an Error's name and message, or what was thrown. */
/**
 * The wait a failure asks for (`retryAfterMs` on the thrown error or the `Err`'s error: a circuit
 * open until then, a rate limit), in place of the backoff; none when absent or not a sane number.
 */
function retryAfterOf(error: unknown): number | undefined {
  const value = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= maxRetryAfterMs
    ? Math.ceil(value)
    : undefined;
}

/** A day: a longer wait is a mistake, and the backoff applies instead. */
const maxRetryAfterMs = 24 * 60 * 60 * 1000;

function describe(thrown: unknown): { name: string; message: string } {
  if (thrown instanceof Error) return { name: thrown.name, message: thrown.message || '(no message)' };
  let shown: string;
  try {
    shown = typeof thrown === 'string' ? `'${thrown}'` : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    shown = String(thrown);
  }
  return { name: typeof thrown, message: `the handler threw a non-Error value: ${shown.slice(0, 500)}` };
}

function reasonOf(reason: unknown): JobsError {
  return reason instanceof JobsError
    ? reason
    : jobsError('CANCELLED', 'work', `the attempt was aborted: ${String(reason)}`);
}

function parseContext(text: string | null): KeelContext {
  if (text === null) return {};
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as KeelContext;
  } catch {
    return {};
  }
}
