import { err, ok, type Result, type SqlTransaction } from '@keel/core';
import type { Queryable, StepUsage } from './run-store.js';
import { mergeInto } from './merge.js';
import type { CompiledWorkflow } from './validate-definition.js';
import type { Json } from './workflow-definition.js';
import { fromDatabase, type WorkflowsError } from './workflows-errors.js';
import { stepJob, type WorkflowsRuntime } from './workflows-runtime.js';
import type { RecordedError, RunStatus } from './workflows-types.js';

/** How a step visit ended, as its worker saw it. */
export type VisitOutcome =
  | {
      readonly ok: true;
      readonly output: Json;
      readonly next: readonly string[];
      readonly merge: boolean;
      readonly durationMs: number;
      readonly usage?: StepUsage | undefined;
    }
  | {
      readonly ok: false;
      readonly error: RecordedError;
      readonly durationMs?: number;
      readonly usage?: StepUsage | undefined;
    };

/** What an advance did; `jobs` are the jobs to cancel once it committed (a failed run's other branches). */
export interface Advanced {
  readonly applied: boolean;
  readonly cancelJobs: readonly string[];
}

/**
 * Records a step visit's end and moves the run on, in one transaction that holds the run's lock:
 * the output, the merged context, the next steps' visits and their jobs, joins whose branches
 * have all arrived, and the run's end. A visit already recorded (a job run again after a crash
 * that came after this commit) changes nothing.
 */
export function advanceRun(
  rt: WorkflowsRuntime,
  wf: CompiledWorkflow,
  runId: string,
  key: string,
  outcome: VisitOutcome,
) {
  return rt.sql
    .transaction(async (tx) => step(rt, tx, wf, runId, key, outcome), { retries: 3 })
    .mapErr((e) => (isWorkflowsError(e) ? e : fromDatabase('advance', `advancing run ${runId}`)(e as Error)));
}

async function step(
  rt: WorkflowsRuntime,
  tx: SqlTransaction,
  wf: CompiledWorkflow,
  runId: string,
  key: string,
  outcome: VisitOutcome,
): Promise<Result<Advanced, unknown>> {
  const now = rt.now();
  const run = await rt.store.lockRun(tx, runId, now);
  if (run.isErr()) return err(run.error);
  const visit = await rt.store.step(tx, key);
  if (visit.isErr()) return err(visit.error);
  const none = { applied: false, cancelJobs: [] };
  if (!run.value || !visit.value || ['completed', 'failed', 'cancelled'].includes(visit.value.state)) return ok(none);
  if (run.value.state !== 'running') {
    const ended = await rt.store.endStep(tx, key, 'cancelled', {}, now);
    return ended.isErr() ? err(ended.error) : ok(none);
  }
  const name = visit.value.step;
  if (!outcome.ok) {
    const ended = await rt.store.endStep(
      tx,
      key,
      'failed',
      { error: outcome.error, durationMs: outcome.durationMs, usage: outcome.usage },
      now,
    );
    if (ended.isErr()) return err(ended.error);
    return failRun(rt, tx, runId, { ...outcome.error, step: outcome.error.step ?? name }, now);
  }
  const ended = await rt.store.endStep(
    tx,
    key,
    'completed',
    { output: outcome.output, durationMs: outcome.durationMs, usage: outcome.usage },
    now,
  );
  if (ended.isErr()) return err(ended.error);
  if (outcome.merge) {
    const merged = await rt.store.setContext(tx, runId, mergeInto(run.value.context, outcome.output));
    if (merged.isErr()) return err(merged.error);
  }
  for (const next of outcome.next) {
    const reached = await reach(rt, tx, wf, run.value, next, name, now);
    if (reached.isErr()) return err(reached.error);
    if (reached.value) return failRun(rt, tx, runId, reached.value, now);
  }
  return settle(rt, tx, wf, run.value, now);
}

/** A visit of `next` from `via`: a new queued visit with its job, or an arrival at a waiting join. */
async function reach(
  rt: WorkflowsRuntime,
  tx: SqlTransaction,
  wf: CompiledWorkflow,
  run: RunStatus,
  next: string,
  via: string | undefined,
  now: number,
): Promise<Result<RecordedError | undefined, unknown>> {
  const step = wf.steps.get(next);
  if (!step) return ok({ code: 'ROUTE_UNKNOWN', message: `no step '${next}'`, step: via });
  if (step.join) {
    const live = await rt.store.live(tx, run.id);
    if (live.isErr()) return err(live.error);
    if (live.value.some((l) => l.step === next && l.state === 'waiting')) return ok(undefined);
  }
  const visits = await rt.store.visits(tx, run.id, next);
  if (visits.isErr()) return err(visits.error);
  if (step.maxVisits !== undefined && visits.value >= step.maxVisits) {
    return ok({
      code: 'LOOP_LIMIT',
      message: `step '${next}' was reached more than its maxVisits (${step.maxVisits})`,
      step: next,
    });
  }
  const visit = { key: `${run.id}:${next}:${visits.value + 1}`, runId: run.id, step: next, visit: visits.value + 1 };
  const inserted = await rt.store.insertStep(tx, { ...visit, state: step.join ? 'waiting' : 'queued' }, via, now);
  if (inserted.isErr()) return err(inserted.error);
  if (step.join) return ok(undefined);
  const queued = await enqueueVisit(rt, tx, wf, run.id, visit.key, next);
  return queued.isErr() ? err(queued.error) : ok(undefined);
}

/** The job of a queued visit, in the transaction that queued it. */
export async function enqueueVisit(
  rt: WorkflowsRuntime,
  tx: SqlTransaction,
  wf: CompiledWorkflow,
  runId: string,
  key: string,
  name: string,
): Promise<Result<void, unknown>> {
  const step = wf.steps.get(name);
  if (!step) return err(new Error(`no step '${name}'`));
  const job = await rt.jobs.enqueue(
    tx,
    stepJob,
    { run: runId, key },
    {
      // The run counts a step's attempts itself (failed ones against its retry policy, lost ones
      // against crashAttempts) and ends the run when they run out: a job that went dead would
      // leave its run running for ever.
      maxAttempts: 1_000_000,
      backoff: step.backoff,
      // The step's own timer fails the attempt first and records why; the job's is the backstop.
      timeoutMs: step.timeoutMs + 5000,
    },
  );
  if (job.isErr()) return err(job.error);
  const queued = await rt.store.queue(tx, key, job.value.id);
  return queued.isErr() ? err(queued.error) : ok(undefined);
}

/**
 * After a visit ended: a waiting join whose every branch arrived (no unfinished visit can still
 * reach it) is queued; a run with nothing left to run has completed.
 */
async function settle(
  rt: WorkflowsRuntime,
  tx: SqlTransaction,
  wf: CompiledWorkflow,
  run: RunStatus,
  now: number,
): Promise<Result<Advanced, unknown>> {
  const live = await rt.store.live(tx, run.id);
  if (live.isErr()) return err(live.error);
  const active = live.value.filter((l) => l.state !== 'waiting');
  for (const join of live.value.filter((l) => l.state === 'waiting')) {
    if (active.some((a) => wf.reach.get(a.step)?.has(join.step))) continue;
    const queued = await enqueueVisit(rt, tx, wf, run.id, join.key, join.step);
    if (queued.isErr()) return err(queued.error);
    active.push({ ...join, state: 'queued' });
  }
  if (active.length === 0) {
    const ended = await rt.store.endRun(tx, run.id, 'completed', undefined, now);
    if (ended.isErr()) return err(ended.error);
  }
  return ok({ applied: true, cancelJobs: [] });
}

/** Ends the run as failed, its unfinished visits cancelled; their jobs are cancelled after the commit. */
export async function failRun(
  rt: WorkflowsRuntime,
  tx: SqlTransaction | Queryable,
  runId: string,
  error: RecordedError,
  now: number,
  state: 'failed' | 'cancelled' = 'failed',
): Promise<Result<Advanced, unknown>> {
  const live = await rt.store.live(tx, runId);
  if (live.isErr()) return err(live.error);
  const cancelled = await rt.store.cancelLive(tx, runId, now);
  if (cancelled.isErr()) return err(cancelled.error);
  const ended = await rt.store.endRun(tx, runId, state, error, now);
  if (ended.isErr()) return err(ended.error);
  return ok({ applied: true, cancelJobs: live.value.flatMap((l) => (l.jobId ? [l.jobId] : [])) });
}

function isWorkflowsError(e: unknown): e is WorkflowsError {
  return e instanceof Error && e.name === 'WorkflowsError';
}
