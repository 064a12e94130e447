import { err, ok, type Result } from '@keel/core';
import type { RunningJob } from '@keel/jobs';
import { advanceRun, type VisitOutcome } from './advance-run.js';
import type { CallVerdict } from './component-breakers.js';
import { execute } from './execute-step.js';
import type { StepUsage } from './run-store.js';
import { interpret } from './interpret-output.js';
import { resolve } from './templates.js';
import type { CompiledStep } from './validate-definition.js';
import { isComponentStep, type Json } from './workflow-definition.js';
import { fromDatabase, type WorkflowsError } from './workflows-errors.js';
import type { StepPayload, WorkflowsRuntime } from './workflows-runtime.js';
import type { RecordedError } from './workflows-types.js';

/**
 * The job of one step visit. Reads the run and the visit (a visit already ended — this job run
 * again after a crash — does nothing), resolves the step's config, runs it under its timeout,
 * and records the outcome with `advanceRun`. A failed attempt with attempts left is recorded and
 * thrown, so the job retries with the step's backoff; the last one fails the run.
 */
export async function runVisit(rt: WorkflowsRuntime, job: RunningJob<StepPayload>): Promise<unknown> {
  const { run: runId, key } = job.payload;
  const read = await readVisit(rt, runId, key);
  if (read.isErr()) throw read.error;
  if (!read.value) return null;
  const { run, visit } = read.value;
  if (['completed', 'failed', 'cancelled'].includes(visit.state)) return null;
  const wf = rt.workflows.get(run.workflow);
  // Another process may know the workflow: fail this attempt, not the run.
  if (!wf) throw new Error(`workflow '${run.workflow}' is not registered in this process`);
  const step = wf.steps.get(visit.step);
  if (!step) throw new Error(`workflow '${run.workflow}' has no step '${visit.step}' in this process`);
  if (run.state !== 'running') {
    await settle(rt, wf, runId, key, { ok: false, error: { code: 'CANCELLED', message: 'the run has ended' } });
    return null;
  }

  // Attempts started and neither failed nor finished were lost: their worker died or stopped.
  const lost = visit.attempts - visit.failures;
  if (lost > rt.crashAttempts) {
    const message = `step '${visit.step}' lost ${lost} attempt(s) to workers that stopped mid-step`;
    await settle(rt, wf, runId, key, { ok: false, error: { code: 'STEP_FAILED', message } });
    return null;
  }
  const outputs = await rt.store.outputs(rt.sql, runId);
  if (outputs.isErr()) throw outputs.error;
  const definition = step.definition;
  const scope = {
    input: run.input,
    context: run.context,
    steps: outputs.value,
    run: { id: runId, workflow: run.workflow },
  };
  const config = resolve(isComponentStep(definition) ? (definition.args ?? []) : definition.config, scope);
  if (config.isErr()) {
    const error = { code: 'UNRESOLVED_INPUT', message: `step '${visit.step}': ${config.error}` };
    await settle(rt, wf, runId, key, { ok: false, error });
    return null;
  }
  // A component whose circuit is open: the attempt is not made, nor counted; the job comes back
  // when the cool-down ends (jobs takes the error's `retryAfterMs` over the backoff).
  const component = rt.breakers && isComponentStep(definition) ? definition.component : undefined;
  const admission = component === undefined ? undefined : rt.breakers?.admit(component);
  if (admission && !admission.admitted)
    throw Object.assign(
      new Error(`step '${visit.step}': component '${component}' is failing (its circuit is open); not run`),
      { name: 'CIRCUIT_OPEN', retryAfterMs: admission.retryAfterMs },
    );
  let verdict: CallVerdict | undefined;
  try {
    return await attemptVisit(rt, job, wf, step, run, visit, runId, key, config.value, (v) => {
      verdict ??= v;
    });
  } finally {
    if (component !== undefined && admission?.admitted)
      rt.breakers?.report(component, admission.trial, verdict ?? 'abandoned');
  }
}

/** One counted attempt of a visit: recorded as started, run, and settled. */
async function attemptVisit(
  rt: WorkflowsRuntime,
  job: RunningJob<StepPayload>,
  wf: NonNullable<ReturnType<WorkflowsRuntime['workflows']['get']>>,
  step: CompiledStep,
  run: { readonly workflow: string; readonly input: Json; readonly context: Json },
  visit: { readonly step: string; readonly attempts: number; readonly failures: number },
  runId: string,
  key: string,
  config: Json,
  decide: (verdict: CallVerdict) => void,
): Promise<null> {
  const started = await rt.store.started(rt.sql, key, config, rt.now());
  if (started.isErr()) throw started.error;

  const controller = new AbortController();
  const abort = () => controller.abort(job.signal.reason);
  job.signal.addEventListener('abort', abort, { once: true });
  rt.running.set(key, controller);
  const begun = performance.now();
  const usage: StepUsage = {};
  let value: Result<unknown, RecordedError>;
  try {
    value = await execute(rt, step, controller, usage, decide, {
      runId,
      workflow: run.workflow,
      step: visit.step,
      key,
      attempt: visit.attempts + 1,
      config,
      input: run.input,
      context: run.context,
      signal: controller.signal,
    });
  } finally {
    rt.running.delete(key);
    job.signal.removeEventListener('abort', abort);
  }
  const durationMs = Math.round(performance.now() - begun);
  // Jobs owns an attempt whose signal aborted (shutdown, lost lease, its own timeout); a run
  // cancelled here has already recorded its end.
  if (job.signal.aborted || (value.isErr() && value.error.code === 'CANCELLED')) return null;
  if (value.isErr()) {
    const final = visit.failures + 1 >= step.maxAttempts;
    if (!final) {
      const recorded = await rt.store.failedAttempt(rt.sql, key, value.error);
      if (recorded.isErr()) throw recorded.error;
      throw Object.assign(new Error(value.error.message), { name: value.error.code });
    }
    const code = value.error.code === 'TIMEOUT' ? 'TIMEOUT' : 'STEP_FAILED';
    const error = {
      code,
      message: `step '${visit.step}' failed (attempt ${visit.failures + 1}): ${value.error.message}`,
    };
    await settle(rt, wf, runId, key, { ok: false, error, durationMs, usage });
    return null;
  }
  const outcome = interpret(step, value.value);
  await settle(
    rt,
    wf,
    runId,
    key,
    outcome.isErr()
      ? { ok: false, error: outcome.error, durationMs, usage }
      : { ok: true, ...outcome.value, durationMs, usage },
  );
  return null;
}

/** Records the outcome; a database failure fails the attempt (the job runs again and finds what committed). */
async function settle(
  rt: WorkflowsRuntime,
  wf: Parameters<typeof advanceRun>[1],
  runId: string,
  key: string,
  outcome: VisitOutcome,
) {
  const advanced = await advanceRun(rt, wf, runId, key, outcome);
  if (advanced.isErr()) throw advanced.error;
  for (const id of advanced.value.cancelJobs) await rt.jobs.cancel(id);
}

function readVisit(rt: WorkflowsRuntime, runId: string, key: string) {
  return rt.store
    .run(rt.sql, runId)
    .andThen((run) => rt.store.step(rt.sql, key).map((visit) => (run && visit ? { run, visit } : undefined)))
    .mapErr((e) => fromDatabase('work', `reading step ${key}`)(e as Error) as WorkflowsError)
    .andThen((found) => (found === undefined ? ok(undefined) : ok(found)))
    .orElse((e) => err(e));
}
