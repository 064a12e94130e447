import type { KeelContext, Result, ResultAsync, SqlTransaction } from '@keel/core';
import type { JobMap, JobSettings, PayloadIn, PayloadOut, ResultOf } from './job-definition.js';
import type { JobsError } from './jobs-errors.js';
import type { ScheduleInput } from './schedule-spec.js';

/**
 * Where a job stands. `waiting` (due at `runAt`, a retry included) → `active` (a worker holds
 * its lease) → `completed`, or back to `waiting` after a failed attempt, or `dead` after its
 * last; `cancelled` from `waiting` or `active`. `dead` and `cancelled` jobs can be re-queued.
 */
export type JobState = 'waiting' | 'active' | 'completed' | 'dead' | 'cancelled';

/** Why an attempt failed, as recorded with the job (its last failure). */
export interface JobFailure {
  /**
   * `HANDLER_FAILED` (it threw, rejected or returned an `Err`), `TIMEOUT`, `LEASE_EXPIRED` (its
   * worker died or stalled), `VALIDATION` (the stored payload no longer passes the schema), or
   * `UNREADABLE` (a stored payload or result that is not JSON).
   */
  readonly code: 'HANDLER_FAILED' | 'TIMEOUT' | 'LEASE_EXPIRED' | 'VALIDATION' | 'UNREADABLE';
  readonly message: string;
  /** The thrown error's `name`, or `typeof` of a thrown non-Error value. */
  readonly name?: string;
  /** The attempt that failed (1, 2, …), when known. */
  readonly attempt?: number;
  readonly at: number;
  /**
   * The wait the handler asked for before the next attempt (a `retryAfterMs` of 0 to a day on
   * what it threw or its `Err`), used in place of the backoff.
   */
  readonly retryAfterMs?: number;
}

/** One job as `status`, `list` and the handler see it. Times are milliseconds since the epoch. */
export interface JobInfo<P = unknown, R = unknown> {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly state: JobState;
  readonly payload: P;
  readonly priority: number;
  /** Attempts started so far. */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** When it is (or was last) due. */
  readonly runAt: number;
  readonly dedupeKey: string | undefined;
  /** The schedule tick that enqueued it, if one did. */
  readonly schedule: { readonly name: string; readonly tick: number } | undefined;
  /** The context it was enqueued in; its handler runs in it. */
  readonly context: KeelContext;
  readonly progress: unknown;
  /** What the handler returned; set when `completed`. */
  readonly result: R | undefined;
  /** The last failed attempt's reason. */
  readonly error: JobFailure | undefined;
  /** The worker that holds or last held it. */
  readonly worker: string | undefined;
  readonly createdAt: number;
  readonly startedAt: number | undefined;
  readonly finishedAt: number | undefined;
}

/** What a handler gets: the job, a signal, and a way to report progress. */
export interface RunningJob<P = unknown> {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly payload: P;
  /** This attempt: 1, 2, … */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly schedule: { readonly name: string; readonly tick: number } | undefined;
  /**
   * Aborts on the attempt's timeout, `cancel(id)`, a worker shutdown past its grace, or a lost
   * lease; `signal.reason` is a `JobsError` (`TIMEOUT`, `CANCELLED`, `SHUTDOWN`, `LEASE_LOST`).
   * Whatever the handler does after that is not recorded.
   */
  readonly signal: AbortSignal;
  /** Stores a JSON progress value with the job; `Ok(false)` when the job is no longer this attempt's. */
  progress(value: unknown): ResultAsync<boolean, JobsError>;
}

/**
 * Does one job. Returns its result (JSON), or throws / returns a neverthrow `Err` to fail the
 * attempt. Runs in the job's stored context (`currentContext()`).
 */
export type JobHandler<P = unknown, R = unknown> = (
  job: RunningJob<P>,
) => R | PromiseLike<R> | Result<R, unknown> | ResultAsync<R, unknown>;

/** Options of `work`. */
export interface WorkOptions {
  /** Jobs run at once by this worker. @default 1 */
  readonly concurrency?: number;
  /** Only jobs of this queue. @default every queue */
  readonly queue?: string;
}

/** A running worker: `work`'s result. */
export interface Worker {
  readonly id: string;
  readonly name: string;
  /** Jobs it holds now. */
  readonly running: number;
  /**
   * Stops claiming, waits up to `graceMs` (the jobs instance's `shutdownGraceMs`) for the jobs it
   * holds, then aborts the rest (`SHUTDOWN`) and hands them back unfinished, their attempt not counted.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Options of one `enqueue`, over the job's definition and the defaults. */
export interface EnqueueOptions extends JobSettings {
  /** Run no earlier than this. */
  readonly runAt?: Date | number;
  /** Run no earlier than this many ms from now; not with `runAt`. */
  readonly delayMs?: number;
  /** While a job of this name and key is waiting or active, enqueueing another returns that one. */
  readonly dedupeKey?: string;
  /** The caller's transaction: the job exists if and only if it commits. */
  readonly tx?: SqlTransaction;
}

/** What `enqueue` returns. */
export interface Enqueued {
  readonly id: string;
  /** A live job with the same dedupe key existed: `id` is that job's, and nothing was added. */
  readonly deduplicated: boolean;
}

/** Filters of `list`; newest first. */
export interface ListOptions {
  readonly queue?: string;
  readonly name?: string;
  readonly state?: JobState | readonly JobState[];
  /** @default 50 */
  readonly limit?: number;
  /** `next` of the previous page. */
  readonly cursor?: string;
}

export interface JobPage {
  readonly jobs: readonly JobInfo[];
  /** Pass as `cursor` for the next page; absent on the last. */
  readonly next?: string;
}

/** The jobs instance: `createJobs`' result. */
export interface Jobs<M extends JobMap = JobMap> {
  /** Creates or updates the tables (core's migrator, scope `keel-jobs:<table>`). */
  migrate(): ResultAsync<void, JobsError>;
  enqueue<N extends keyof M & string>(
    name: N,
    payload: PayloadIn<M, N>,
    options?: EnqueueOptions,
  ): ResultAsync<Enqueued, JobsError>;
  enqueue<N extends keyof M & string>(
    tx: SqlTransaction,
    name: N,
    payload: PayloadIn<M, N>,
    options?: Omit<EnqueueOptions, 'tx'>,
  ): ResultAsync<Enqueued, JobsError>;
  /**
   * Enqueues many jobs of one name at once (multi-row inserts: one round trip per 500), with the
   * same options (no `dedupeKey`); all or none are enqueued.
   */
  enqueueMany<N extends keyof M & string>(
    name: N,
    payloads: readonly PayloadIn<M, N>[],
    options?: Omit<EnqueueOptions, 'dedupeKey'>,
  ): ResultAsync<Enqueued[], JobsError>;
  enqueueMany<N extends keyof M & string>(
    tx: SqlTransaction,
    name: N,
    payloads: readonly PayloadIn<M, N>[],
    options?: Omit<EnqueueOptions, 'tx' | 'dedupeKey'>,
  ): ResultAsync<Enqueued[], JobsError>;
  /** Starts a worker for one job name (and `start()`s the scheduler and lease keeper). */
  work<N extends keyof M & string>(
    name: N,
    handler: JobHandler<PayloadOut<M, N>, ResultOf<M, N>>,
    options?: WorkOptions,
  ): Result<Worker, JobsError>;
  /** Registers a schedule from code (the `schedules` option registers those from config). */
  schedule(name: string, schedule: ScheduleInput<M>): Result<void, JobsError>;
  status(id: string): ResultAsync<JobInfo, JobsError>;
  /** Cancels a waiting or active job: `Ok(true)`, or `Ok(false)` when it had already finished. */
  cancel(id: string): ResultAsync<boolean, JobsError>;
  /** Puts a dead or cancelled job back to waiting with its attempts reset. */
  requeue(id: string): ResultAsync<void, JobsError>;
  list(options?: ListOptions): ResultAsync<JobPage, JobsError>;
  /** Jobs per queue and state. */
  counts(): ResultAsync<Record<string, Partial<Record<JobState, number>>>, JobsError>;
  /** Deletes finished jobs past their retention now (the lease keeper also does, every minute). */
  purge(): ResultAsync<number, JobsError>;
  /** Runs schedules and the lease keeper in this process; `work` does it too. Idempotent. */
  start(): void;
  /** Stops every worker (see `Worker.stop`), the scheduler and the lease keeper. Idempotent. */
  close(graceMs?: number): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
