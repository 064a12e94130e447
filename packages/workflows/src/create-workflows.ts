import { randomUUID } from 'node:crypto';
import { createMigrator, err, errAsync, ok, okAsync, ResultAsync, type SqlTransaction } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { workflowGauges } from './workflow-gauges.js';
import { createJobs, defineJob, type Worker } from '@keel/jobs';
import { enqueueVisit, failRun } from './advance-run.js';
import { checkComponents } from './check-components.js';
import { listRuns } from './list-runs.js';
import { componentBreakers } from './component-breakers.js';
import { runStore } from './run-store.js';
import { runVisit } from './run-visit.js';
import { compileWorkflow, isJson } from './validate-definition.js';
import type { Json, WorkflowDefinition } from './workflow-definition.js';
import { fromDatabase, type WorkflowsError, workflowsError } from './workflows-errors.js';
import { workflowsMigrations } from './workflows-migrations.js';
import { type WorkflowsOptions, workflowsOptions } from './workflows-options.js';
import { type StepJobs, stepJob, type StepPayload, type WorkflowsRuntime } from './workflows-runtime.js';
import type {
  ListRunsOptions,
  RunStatus,
  StartOptions,
  WaitOptions,
  Workflows,
  WorkOptions,
} from './workflows-types.js';

/**
 * Durable workflows on a Keel `sql` database (SQLite or PostgreSQL): steps that are TypeScript
 * functions or components' exports, each visit run as a `@keel/jobs` job, its output stored when
 * it completes, so a run resumes from its last completed step after a crash.
 *
 * @example
 * const workflows = createWorkflows({ sql, registry });
 * (await workflows.migrate())._unsafeUnwrap();
 * (await workflows.register('triage', triage))._unsafeUnwrap();
 * workflows.work({ concurrency: 4 })._unsafeUnwrap();
 * const runId = (await workflows.start('triage', { title: 'Fix login', priority: 3 }))._unsafeUnwrap();
 */
export function createWorkflows(options: WorkflowsOptions): Workflows {
  const o = parseOptions(workflowsOptions, options, 'createWorkflows');
  const jobs = createJobs<StepJobs>({
    sql: o.sql,
    table: `${o.table}_jobs`,
    jobs: { [stepJob]: defineJob<StepPayload>() },
    leaseMs: o.leaseMs,
    pollIntervalMs: o.pollIntervalMs,
    shutdownGraceMs: o.shutdownGraceMs,
    ...(o.onError ? { onError: o.onError } : {}),
    ...(o.observability ? { observability: o.observability } : {}),
  });
  const rt: WorkflowsRuntime = {
    sql: o.sql,
    store: runStore(o.table),
    jobs,
    registry: o.registry,
    breakers: o.circuitBreaker === false ? undefined : componentBreakers(o.circuitBreaker, () => o.clock.now()),
    workflows: new Map(),
    crashAttempts: o.crashAttempts,
    running: new Map(),
    now: () => Date.now(),
  };
  const migrator = createMigrator(o.sql, {
    migrations: workflowsMigrations(o.table),
    scope: o.table === 'keel_workflows' ? 'keel-workflows' : `keel-workflows:${o.table}`,
  });
  const workers = new Set<Worker>();
  let closed = false;
  const closedError = (op: string) => workflowsError('CLOSED', op, `${op}: the workflows instance is closed`);

  const register = (name: string, definition: WorkflowDefinition) => {
    if (closed) return errAsync(closedError('register'));
    if (typeof name !== 'string' || !/^[\w.:/-]{1,200}$/.test(name))
      return errAsync(
        workflowsError('INVALID_ARGUMENT', 'register', `register: '${String(name)}' is not a workflow name`),
      );
    const compiled = compileWorkflow(name, definition);
    if (compiled.isErr()) return errAsync(compiled.error);
    return checkComponents(rt.registry, compiled.value).map(() => {
      rt.workflows.set(name, compiled.value);
      return undefined;
    });
  };

  const start = (name: string, input: Json = null, startOptions: StartOptions = {}) => {
    if (closed) return errAsync(closedError('start'));
    const wf = rt.workflows.get(name);
    if (!wf)
      return errAsync(
        workflowsError('UNKNOWN_WORKFLOW', 'start', `no workflow '${name}' is registered`, { workflow: name }),
      );
    if (!isJson(input))
      return errAsync(workflowsError('INVALID_ARGUMENT', 'start', `start '${name}': the input must be JSON`));
    const id = randomUUID();
    const key = `${id}:${wf.start}:1`;
    const body = async (tx: SqlTransaction) => {
      const now = rt.now();
      const context = input !== null && typeof input === 'object' && !Array.isArray(input) ? input : {};
      const inserted = await rt.store.insertRun(tx, id, name, input, context, now);
      if (inserted.isErr()) return err(inserted.error);
      const visit = await rt.store.insertStep(
        tx,
        { key, runId: id, step: wf.start, visit: 1, state: 'queued' },
        undefined,
        now,
      );
      if (visit.isErr()) return err(visit.error);
      const queued = await enqueueVisit(rt, tx, wf, id, key, wf.start);
      return queued.map(() => id);
    };
    const tx = startOptions.tx;
    const started = tx ? tx.transaction(body) : o.sql.transaction(body);
    return started.mapErr((e) => fromDatabase('start', `starting a run of '${name}'`)(e as Error));
  };

  const status = (runId: string): ResultAsync<RunStatus, WorkflowsError> =>
    rt.store
      .run(o.sql, String(runId))
      .mapErr((e) => fromDatabase('status', `reading run ${runId}`)(e as Error))
      .andThen((run) => (run ? okAsync(run) : errAsync(notFound('status', runId))));

  const history = (runId: string) =>
    status(runId).andThen(() =>
      rt.store
        .steps(o.sql, String(runId))
        .map((rows) => rows.map(({ failures: _f, jobId: _j, ...record }) => record))
        .mapErr((e) => fromDatabase('history', `reading the steps of run ${runId}`)(e as Error)),
    );

  const cancel = (runId: string) => {
    const ended = o.sql.transaction(async (tx) => {
      const run = await rt.store.lockRun(tx, runId, rt.now());
      if (run.isErr()) return err(run.error);
      if (!run.value) return err(notFound('cancel', runId));
      if (run.value.state !== 'running') return ok(undefined);
      const error = { code: 'CANCELLED', message: `run ${runId} was cancelled` };
      return (await failRun(rt, tx, runId, error, rt.now(), 'cancelled')).map((a) => a.cancelJobs);
    });
    return ended
      .mapErr((e) =>
        e instanceof Error && e.name === 'WorkflowsError'
          ? (e as WorkflowsError)
          : fromDatabase('cancel', `cancelling run ${runId}`)(e as Error),
      )
      .andThen((jobIds) => {
        if (jobIds === undefined) return okAsync(false);
        for (const [key, controller] of rt.running) if (key.startsWith(`${runId}:`)) controller.abort();
        return ResultAsync.fromSafePromise(Promise.all(jobIds.map((j) => jobs.cancel(j)))).map(() => true);
      });
  };

  const wait = (runId: string, waitOptions: WaitOptions = {}) => {
    const until = Date.now() + (waitOptions.timeoutMs ?? 60_000);
    const poll = (): ResultAsync<RunStatus, WorkflowsError> =>
      status(runId).andThen((run) => {
        if (run.state !== 'running') return okAsync(run);
        if (Date.now() > until)
          return errAsync(workflowsError('TIMEOUT', 'wait', `run ${runId} is still running`, { runId }));
        return ResultAsync.fromSafePromise(new Promise((r) => setTimeout(r, waitOptions.pollMs ?? 20))).andThen(poll);
      });
    return poll();
  };

  const work = (workOptions: WorkOptions = {}) => {
    if (closed) return err(closedError('work'));
    const worker = jobs.work(stepJob, (job) => runVisit(rt, job), { concurrency: workOptions.concurrency ?? 4 });
    if (worker.isErr())
      return err(workflowsError('INVALID_ARGUMENT', 'work', worker.error.message, { cause: worker.error }));
    workers.add(worker.value);
    return ok({ stop: (graceMs?: number) => worker.value.stop(graceMs).then(() => void workers.delete(worker.value)) });
  };

  const stopGauges = o.observability?.enabled ? workflowGauges(o.observability, rt, o.table) : undefined;

  const close = async (graceMs?: number) => {
    closed = true;
    stopGauges?.();
    await jobs.close(graceMs);
  };

  return Object.freeze({
    migrate: () =>
      migrator
        .up()
        .mapErr((cause) => fromDatabase('migrate', 'migrating the workflow tables')(cause))
        .andThen(() =>
          jobs.migrate().mapErr((cause) => fromDatabase('migrate', 'migrating the step jobs table')(cause)),
        ),
    register,
    start,
    status,
    list: (listOptions?: ListRunsOptions) => listRuns(rt.store, o.sql, listOptions),
    history,
    cancel,
    circuits: () => Object.fromEntries(rt.breakers?.states() ?? []),
    wait,
    work,
    close,
    [Symbol.asyncDispose]: () => close(),
  });
}

function notFound(op: string, runId: string) {
  return workflowsError('NOT_FOUND', op, `no run with id '${runId}'`, { runId });
}
