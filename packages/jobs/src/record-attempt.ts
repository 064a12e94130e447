import type { SqlValue } from '@keel/core';
import { backoffDelay } from './backoff.js';
import { type ClaimedJob, readBackoff } from './job-rows.js';
import type { JobFailure } from './jobs-types.js';
import type { JobsRuntime } from './jobs-runtime.js';
import type { AttemptOutcome } from './job-tracing.js';
import type { AttemptEnd } from './run-attempt.js';

/**
 * Writes how an attempt ended, guarded by the claim (lease owner and attempt number), so a
 * worker that lost its lease records nothing. A write that fails leaves the lease to expire:
 * the job then runs again (at least once, never lost). A failed attempt is logged: a warning
 * when it will be retried, an error when the job is dead.
 */
export async function recordAttempt(
  rt: JobsRuntime,
  name: string,
  job: ClaimedJob,
  owner: string,
  end: AttemptEnd,
  outcome: AttemptOutcome,
): Promise<void> {
  const s = rt.statements;
  const now = rt.clock.now();
  const claim = [job.id, owner, job.attempt];
  let statement: string;
  let params: SqlValue[];
  if (end.kind === 'completed') {
    [statement, params] = [s.complete, [end.result, now, ...claim]];
  } else if (end.kind === 'aborted' && end.reason.code !== 'TIMEOUT') {
    // Cancelled or taken over: someone else owns the outcome. Shutting down: hand it back.
    if (end.reason.code !== 'SHUTDOWN') return;
    [statement, params] = [s.release, claim];
  } else {
    const failure: JobFailure =
      end.kind === 'failed'
        ? end.failure
        : { code: 'TIMEOUT', message: end.reason.message, attempt: job.attempt, at: now };
    const error = JSON.stringify(failure);
    const fields = { name, job: job.id, attempt: job.attempt, maxAttempts: job.maxAttempts, code: failure.code };
    if (outcome === 'dead') {
      [statement, params] = [s.dead, [error, now, ...claim]];
      rt.logger.error({ ...fields, error: failure.message }, 'jobs: attempt failed; the job is dead');
    } else {
      // A handler that knows when trying again can help (a circuit's cool-down) says so; else the backoff.
      const delay = failure.retryAfterMs ?? backoffDelay(readBackoff(job.backoff), job.attempt, rt.random);
      [statement, params] = [s.retry, [now + delay, error, ...claim]];
      rt.logger.warn({ ...fields, error: failure.message, retryInMs: delay }, 'jobs: attempt failed; retrying');
    }
  }
  const written = await rt.sql.execute(statement, params);
  if (written.isErr()) rt.onError(written.error);
}
