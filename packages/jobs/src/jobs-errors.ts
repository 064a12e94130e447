import { KeelError, type KeelErrorInit, type SqlError } from '@keel/core';

/**
 * What a jobs operation can fail with, and why a running job's `signal` was aborted. Codes are
 * stable; messages are not.
 *
 * | code | meaning |
 * | --- | --- |
 * | `UNKNOWN_JOB` | no job of that name is defined (at `enqueue`, `work`, a schedule) |
 * | `VALIDATION` | the payload failed the job's schema, or is not JSON |
 * | `INVALID_ARGUMENT` | an option of the call is wrong (a negative delay, a zero concurrency, …) |
 * | `INVALID_SCHEDULE` | a cron expression or time zone that does not parse, an interval out of range |
 * | `NOT_IN_TRANSACTION` | `enqueue(tx, …)` got something that is not a Keel transaction |
 * | `NOT_FOUND` | no job with that id |
 * | `CONFLICT` | the job is not in a state that allows it (re-queueing while another live job holds its key) |
 * | `DATABASE` | the database failed; the `SqlError` is `cause` |
 * | `CLOSED` | the jobs instance was closed |
 * | `TIMEOUT` | (abort reason) the attempt ran past its `timeoutMs` |
 * | `CANCELLED` | (abort reason) `cancel(id)` was called |
 * | `SHUTDOWN` | (abort reason) the worker is stopping and the grace period is over |
 * | `LEASE_LOST` | (abort reason) another worker took the job over after this one's lease expired |
 */
export type JobsErrorCode =
  | 'UNKNOWN_JOB'
  | 'VALIDATION'
  | 'INVALID_ARGUMENT'
  | 'INVALID_SCHEDULE'
  | 'NOT_IN_TRANSACTION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'DATABASE'
  | 'CLOSED'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'SHUTDOWN'
  | 'LEASE_LOST';

export interface JobsErrorInit extends Omit<KeelErrorInit<JobsErrorCode>, 'adapter'> {}

/**
 * The one error class of `@keel/jobs`.
 *
 * @example
 * const queued = await jobs.enqueue('digest.send', { workspaceId: 'w1' });
 * if (queued.isErr() && queued.error.code === 'VALIDATION') logger.warn({ code: queued.error.code }, queued.error.message);
 */
export class JobsError extends KeelError<JobsErrorCode> {
  override readonly name = 'JobsError';

  constructor(init: JobsErrorInit) {
    super({ ...init, adapter: 'jobs' });
  }
}

/** A `JobsError` of `code` for operation `op`. */
export function jobsError(code: JobsErrorCode, op: string, message: string, cause?: unknown): JobsError {
  return new JobsError({ code, op, message, ...(cause === undefined ? {} : { cause }) });
}

/** The database's failure as a jobs error: `CONFLICT` for a unique key, `DATABASE` otherwise. */
export function fromSql(op: string, what: string) {
  return (cause: SqlError): JobsError =>
    cause.constraint === 'unique'
      ? jobsError('CONFLICT', op, `${what}: another live job holds the same dedupe key`, cause)
      : jobsError('DATABASE', op, `${what} failed: ${cause.message}`, cause);
}
