import type { Result, ResultAsync, SqlTransaction } from '@keel/core';
import type { Json, WorkflowDefinition } from './workflow-definition.js';
import type { ValidationIssue, WorkflowsError, WorkflowsErrorCode } from './workflows-errors.js';

/** Where a run stands: `running` until it `completed`, `failed` or was `cancelled`. */
export type RunState = 'running' | 'completed' | 'failed' | 'cancelled';

/**
 * Where one visit of a step stands: `waiting` (a join waiting for its branches), `queued` (its
 * job waits for a worker, a retry included), `running`, then `completed`, `failed` or `cancelled`.
 */
export type StepState = 'waiting' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** Why a run or a step failed, as recorded. */
export interface RecordedError {
  readonly code: WorkflowsErrorCode | string;
  readonly message: string;
  /** The step it failed at. */
  readonly step?: string;
  /** A `VALIDATION` failure's issues. */
  readonly errors?: readonly ValidationIssue[];
}

/** A run as `status` reads it. Times are milliseconds since the epoch. */
export interface RunStatus {
  readonly id: string;
  readonly workflow: string;
  readonly state: RunState;
  readonly input: Json;
  /** The context now: the input, with what transforming steps merged into it. */
  readonly context: Json;
  readonly error: RecordedError | undefined;
  readonly createdAt: number;
  readonly finishedAt: number | undefined;
}

/** One visit of a step, as `history` reads it. */
export interface StepRecord {
  readonly step: string;
  /** 1 for its first visit in the run, 2 for the next (in a cycle), … */
  readonly visit: number;
  /** `<runId>:<step>:<visit>`: the idempotency key its effects were given. */
  readonly key: string;
  readonly state: StepState;
  /** The step that sent the run here; none for the start. */
  readonly via: string | undefined;
  /** Its config (a component's arguments), resolved, as the last attempt got it. */
  readonly input: Json | undefined;
  readonly output: Json | undefined;
  /** The last failed attempt's error (kept when a retry succeeded). */
  readonly error: RecordedError | undefined;
  /** Attempts started (a worker that died mid-attempt counts). */
  readonly attempts: number;
  readonly startedAt: number | undefined;
  readonly finishedAt: number | undefined;
  /** The completing (or finally failing) attempt's duration, in ms. */
  readonly durationMs: number | undefined;
  /** Fuel that attempt's component call used (a component step on a version with `maxFuel`). */
  readonly fuelUsed: number | undefined;
  /** That attempt's component call's host calls by interface (`{ kv: 2 }`); none for a function step. */
  readonly hostCalls: Readonly<Record<string, number>> | undefined;
}

/** Options of `list`. */
export interface ListRunsOptions {
  /** Only runs of this workflow. */
  readonly workflow?: string;
  /** Only runs in this state. */
  readonly state?: RunState;
  /** At most this many, from 1 to 500. @default 50 */
  readonly limit?: number;
  /** The `next` of the previous page. */
  readonly cursor?: string;
}

/** A page of runs, newest first; `next` is the cursor of the following page, when there is one. */
export interface RunPage {
  readonly runs: readonly RunStatus[];
  readonly next: string | undefined;
}

/** Options of `start`. */
export interface StartOptions {
  /** The caller's transaction: the run exists if and only if it commits. */
  readonly tx?: SqlTransaction;
}

/** Options of `work`. */
export interface WorkOptions {
  /** Steps run at once by this process. @default 4 */
  readonly concurrency?: number;
}

/** Options of `wait`. */
export interface WaitOptions {
  /** @default 20 */
  readonly pollMs?: number;
  /** Gives up (an `Err` of `TIMEOUT`) after this long. @default 60_000 */
  readonly timeoutMs?: number;
}

/** The workflows instance: `createWorkflows`' result. */
export interface Workflows {
  /** Creates or updates its tables and its jobs' (core's migrator). */
  migrate(): ResultAsync<void, WorkflowsError>;
  /**
   * Checks a definition (and, with a registry, that each component serves its export) and makes
   * it startable and runnable in this process. Register the same definitions in every process
   * that starts or works runs.
   */
  register(name: string, definition: WorkflowDefinition): ResultAsync<void, WorkflowsError>;
  /** Starts a run: its id. `input` (JSON) is also the run's first context. */
  start(name: string, input?: Json, options?: StartOptions): ResultAsync<string, WorkflowsError>;
  status(runId: string): ResultAsync<RunStatus, WorkflowsError>;
  /** Runs newest first, by workflow and state, in pages (any process's, from the tables). */
  list(options?: ListRunsOptions): ResultAsync<RunPage, WorkflowsError>;
  /** Every step visit of a run, in the order they were reached. */
  history(runId: string): ResultAsync<StepRecord[], WorkflowsError>;
  /** Cancels a running run: `Ok(true)`, or `Ok(false)` when it had already ended. Running steps' signals abort. */
  cancel(runId: string): ResultAsync<boolean, WorkflowsError>;
  /**
   * The circuit of each component this process has called for a step (`circuitBreaker`):
   * `closed`, `open` (its steps wait for the cool-down) or `half-open` (one trial may go).
   */
  circuits(): Readonly<Record<string, 'closed' | 'open' | 'half-open'>>;
  /** Polls until the run has ended: its final status. */
  wait(runId: string, options?: WaitOptions): ResultAsync<RunStatus, WorkflowsError>;
  /** Runs steps in this process (any number of processes may). */
  work(options?: WorkOptions): Result<{ stop(graceMs?: number): Promise<void> }, WorkflowsError>;
  /** Stops the workers (running steps finish or are handed back) — not the database. Idempotent. */
  close(graceMs?: number): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
