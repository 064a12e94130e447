import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  createMigrator,
  err,
  errAsync,
  ok,
  silentLogger,
  type ResultAsync,
  type Sql,
  type SqlTransaction,
} from '@keel/core';
import { KeelOptionsError, parseOptions } from '@keel/core/adapter';
import * as v from 'valibot';
import { checkTransaction, insertJob, insertJobs, unknownJob } from './enqueue.js';
import type { JobMap } from './job-definition.js';
import { jobsError } from './jobs-errors.js';
import { jobsMigrations } from './jobs-migrations.js';
import { jobsOptions, type ParsedJobsOptions } from './jobs-options.js';
import { jobsStatements } from './jobs-statements.js';
import type { EnqueueOptions, JobHandler, Jobs, Worker, WorkOptions } from './jobs-types.js';
import type { JobsRuntime } from './jobs-runtime.js';
import { cancelJob, countJobs, jobStatus, listJobs, requeueJob } from './inspect-jobs.js';
import { purgeFinished, startLeaseKeeper } from './lease-keeper.js';
import { createScheduler } from './scheduler.js';
import type { ScheduleInput } from './schedule-spec.js';
import { enqueueSpan } from './job-tracing.js';
import type { JobsError } from './jobs-errors.js';
import { localWakeups, notificationWakeups } from './wake-source.js';
import { startWorker } from './worker.js';
import { queueName } from './job-settings.js';

/** Options of `createJobs`: those of `jobsOptions`, with the job map typed. */
export type JobsOptions<M extends JobMap = JobMap> = Omit<
  v.InferInput<typeof jobsOptions>,
  'sql' | 'jobs' | 'schedules'
> & {
  readonly sql: Sql;
  readonly jobs?: M;
  readonly schedules?: Readonly<Record<string, ScheduleInput<M>>>;
};

/**
 * A durable job queue and scheduler on a Keel `sql` database (SQLite or PostgreSQL, the same
 * code): jobs enqueued alone or inside the caller's transaction, run by workers in any number of
 * processes under leases, retried with backoff, dead after their last attempt, scheduled by cron
 * or interval once per tick across processes.
 *
 * @example
 * const jobs = createJobs({
 *   sql: keel.sql,
 *   jobs: { 'digest.send': defineJob({ schema: v.object({ workspaceId: v.string() }) }) },
 *   schedules: { nightly: { job: 'digest.send', payload: { workspaceId: 'all' }, cron: '0 3 * * *', timeZone: 'Europe/Paris' } },
 * });
 * (await jobs.migrate())._unsafeUnwrap();
 * jobs.work('digest.send', async ({ payload, signal }) => sendDigest(payload.workspaceId, signal), { concurrency: 4 });
 * await keel.sql.transaction(async (tx) => jobs.enqueue(tx, 'digest.send', { workspaceId: 'w1' }));
 */
export function createJobs<M extends JobMap>(options: JobsOptions<M>): Jobs<M> {
  const parsed = parseOptions(jobsOptions, options, 'createJobs');
  if (typeof parsed.sql !== 'object' && typeof parsed.sql !== 'function') {
    const problem =
      parsed.sql === undefined
        ? 'is required (a Sql instance)'
        : 'an instance name only works in jobsService; pass the Sql';
    throw new KeelOptionsError('createJobs', [{ path: 'sql', problem }]);
  }
  return buildJobs<M>(parsed, parsed.sql, 'createJobs');
}

/** The jobs instance from checked options and the database it runs on. */
export function buildJobs<M extends JobMap>(o: ParsedJobsOptions, sql: Sql, where: string): Jobs<M> {
  const { sql: _sql, jobs: definitions, schedules, ...settings } = o;
  const logger = o.logger ?? silentLogger;
  const onError = o.onError ?? (() => {});
  const wakes =
    o.notifications && sql.capabilities.notifications && sql.notifications
      ? notificationWakeups(sql.notifications, `${o.table.toLowerCase()}_wake`, randomUUID().slice(0, 8))
      : undefined;
  const rt: JobsRuntime = {
    sql,
    statements: jobsStatements(o.table, sql.capabilities.dialect),
    definitions: definitions as JobMap,
    defaults: o.defaults,
    options: settings,
    workerId:
      o.workerId ??
      `${hostname()
        .replace(/[^\w.:-]/g, '')
        .slice(0, 24)}:${process.pid}:${randomUUID().slice(0, 8)}`,
    clock: o.clock,
    random: o.random ?? Math.random,
    onError: (error) => {
      logger.error({ table: o.table, err: error }, 'jobs: a background pass failed');
      onError(error);
    },
    wakeups: localWakeups(),
    held: new Map(),
    logger,
    observability: o.observability?.enabled ? o.observability : undefined,
    announce: wakes?.announce,
  };
  const scheduler = createScheduler(rt);
  const problems = Object.entries(schedules).flatMap(([name, s]) => {
    const added = scheduler.add(name, s as ScheduleInput);
    return added.isErr() ? [{ path: `schedules.${name}`, problem: added.error.message }] : [];
  });
  if (problems.length > 0) throw new KeelOptionsError(where, problems);
  const migrator = createMigrator(sql, {
    migrations: jobsMigrations(o.table),
    scope: o.table === 'keel_jobs' ? 'keel-jobs' : `keel-jobs:${o.table}`,
  });
  const workers = new Set<Worker>();
  let keeper: ReturnType<typeof startLeaseKeeper> | undefined;
  let stopListening: (() => Promise<void>) | undefined;
  let closed = false;
  let workerCount = 0;
  const closedError = (op: string) => jobsError('CLOSED', op, `${op}: the jobs instance is closed`);
  // Queue depth for the operator, read only when metrics are (a scrape or a collection).
  const stopGauge = rt.observability?.gauge(
    'keel.jobs.count',
    'Jobs by table, queue and state (waiting, active, completed, failed, cancelled).',
    ['table', 'queue', 'state'],
    async () => {
      const counts = await countJobs(rt);
      if (counts.isErr()) throw counts.error;
      return Object.entries(counts.value).flatMap(([queue, states]) =>
        Object.entries(states).map(([state, n]) => [[o.table, queue, state], n ?? 0] as const),
      );
    },
  );

  const start = () => {
    if (closed || keeper) return;
    keeper = startLeaseKeeper(rt);
    scheduler.start();
    stopListening = wakes?.listen(rt.wakeups, (error) => {
      logger.error({ table: o.table, err: error }, 'jobs: listening for notifications failed; polling only');
      onError(error);
    });
  };

  /** Runs one enqueue in its span while traces are recorded, the span's context stored with the jobs. */
  const traced = <T>(
    name: string,
    count: number,
    insert: (trace: string | null) => ResultAsync<T, JobsError>,
  ): ResultAsync<T, JobsError> => {
    const span = rt.observability?.tracing ? enqueueSpan(rt.observability, name, count) : undefined;
    if (span === undefined) return insert(null);
    return span.watch
      .within(() => insert(span.trace))
      .map((value) => {
        span.watch.end();
        return value;
      })
      .mapErr((error) => {
        span.watch.end(error);
        return error;
      });
  };

  /** The arguments of `enqueue` and `enqueueMany`: the transaction first or as `{ tx }`, or none. */
  const parseArgs = (op: string, args: unknown[]) => {
    const inTx = typeof args[0] !== 'string';
    const [name, payload, options] = (inTx ? args.slice(1) : args) as [string, unknown, EnqueueOptions | undefined];
    const { tx, ...rest } = options ?? {};
    if (inTx && tx !== undefined) {
      return err(jobsError('INVALID_ARGUMENT', op, `${op}: give the transaction once, first or as { tx }`));
    }
    const given = inTx ? args[0] : tx;
    const target = given === undefined ? ok<Sql | SqlTransaction>(sql) : checkTransaction(given, op);
    return target.map((into) => ({ into, name, payload, options: rest }));
  };

  /**
   * Whether waking local workers now finds the job: a job enqueued in a transaction is visible
   * only after the commit. On SQLite the worker's read waits for the transaction (one connection,
   * one queue) and so sees it; on PostgreSQL it would find nothing, and the next poll does.
   */
  const wakesAt = (into: Sql | SqlTransaction) => !('depth' in into) || sql.capabilities.dialect === 'sqlite';

  const enqueue = (...args: unknown[]) => {
    if (closed) return errAsync(closedError('enqueue'));
    const call = parseArgs('enqueue', args);
    if (call.isErr()) return errAsync(call.error);
    const { into, name, payload, options } = call.value;
    return traced(name, 1, (trace) => insertJob(rt, into, { name, payload, options, trace })).map((queued) => {
      if (!queued.deduplicated && wakesAt(into)) rt.wakeups.wake(name);
      return queued;
    });
  };

  const enqueueMany = (...args: unknown[]) => {
    if (closed) return errAsync(closedError('enqueueMany'));
    const call = parseArgs('enqueueMany', args);
    if (call.isErr()) return errAsync(call.error);
    const { into, name, payload, options } = call.value;
    const count = Array.isArray(payload) ? payload.length : 0;
    return traced(name, count, (trace) => insertJobs(rt, into, name, payload as unknown[], options, trace)).map(
      (queued) => {
        if (queued.length > 0 && wakesAt(into)) rt.wakeups.wake(name);
        return queued;
      },
    );
  };

  const work = (name: string, handler: JobHandler, options: WorkOptions = {}) => {
    if (closed) return err(closedError('work'));
    if (rt.definitions[name] === undefined) return err(unknownJob(rt, name, 'work'));
    if (typeof handler !== 'function')
      return err(jobsError('INVALID_ARGUMENT', 'work', `work '${name}': the handler must be a function`));
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
      return err(
        jobsError(
          'INVALID_ARGUMENT',
          'work',
          `work '${name}': concurrency must be an integer from 1 to 1000, got ${String(concurrency)}`,
        ),
      );
    }
    if (options.queue !== undefined && !v.safeParse(queueName, options.queue).success) {
      return err(
        jobsError('INVALID_ARGUMENT', 'work', `work '${name}': queue '${String(options.queue)}' is not a queue name`),
      );
    }
    start();
    const owner = `${rt.workerId}/${++workerCount}`;
    const worker = startWorker(rt, { owner, name, concurrency, queue: options.queue }, handler, () =>
      workers.delete(worker),
    );
    workers.add(worker);
    return ok(worker);
  };

  const close = async (graceMs?: number) => {
    closed = true;
    stopGauge?.();
    await Promise.all([...workers].map((w) => w.stop(graceMs)));
    await scheduler.stop();
    await keeper?.stop();
    await stopListening?.();
  };

  const jobs = {
    migrate: () =>
      migrator
        .up()
        .map(() => undefined)
        .mapErr((cause) =>
          jobsError('DATABASE', 'migrate', `migrating the jobs tables failed: ${cause.message}`, cause),
        ),
    enqueue,
    enqueueMany,
    work,
    schedule: (name: string, schedule: ScheduleInput<M>) =>
      closed ? err(closedError('schedule')) : scheduler.add(name, schedule as ScheduleInput),
    status: (id: string) => jobStatus(rt, id),
    cancel: (id: string) => cancelJob(rt, id),
    requeue: (id: string) => requeueJob(rt, id),
    list: (options?: Parameters<typeof listJobs>[1]) => listJobs(rt, options),
    counts: () => countJobs(rt),
    purge: () => purgeFinished(rt),
    start,
    close,
    [Symbol.asyncDispose]: () => close(),
  };
  return Object.freeze(jobs) as unknown as Jobs<M>;
}
