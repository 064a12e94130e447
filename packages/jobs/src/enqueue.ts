import { randomUUID } from 'node:crypto';
import {
  currentContext,
  err,
  errAsync,
  ok,
  okAsync,
  ResultAsync,
  type Result,
  type Sql,
  type SqlError,
  type SqlTransaction,
} from '@keel/core';
import { KeelOptionsError, parseOptions } from '@keel/core/adapter';
import * as v from 'valibot';
import { resolveSettings } from './job-settings.js';
import { jobSettingsEntries } from './job-settings.js';
import type { JobSettings } from './job-definition.js';
import { fromSql, jobsError, type JobsError } from './jobs-errors.js';
import type { Enqueued, EnqueueOptions } from './jobs-types.js';
import { toJson, validatePayload } from './payload.js';
import type { JobsRuntime } from './jobs-runtime.js';

const enqueueOptions = v.strictObject({
  ...jobSettingsEntries,
  runAt: v.optional(
    v.union(
      [
        v.pipe(
          v.date(),
          v.check((d) => !Number.isNaN(d.getTime()), 'expected a valid date'),
        ),
        v.pipe(v.number(), v.integer(), v.minValue(0)),
      ],
      'expected a Date or milliseconds since the epoch',
    ),
  ),
  delayMs: v.optional(
    v.pipe(
      v.number('expected a number of ms'),
      v.integer('expected an integer number of ms'),
      v.minValue(0, 'must not be negative'),
    ),
  ),
  dedupeKey: v.optional(
    v.pipe(
      v.string('expected a string'),
      v.minLength(1, 'must not be empty'),
      v.maxLength(300, 'expected at most 300 characters'),
    ),
  ),
  tx: v.optional(v.unknown()),
});

/** Where a job is written: the caller's transaction, or the jobs instance's database. */
type Target = SqlTransaction | Sql;

/** A job to insert, from `enqueue` or a schedule's tick. */
export interface NewJob {
  readonly name: string;
  readonly payload: unknown;
  readonly options?: EnqueueOptions | undefined;
  /** Set by the scheduler: the (schedule, tick) key that makes a tick fire once. */
  readonly tickKey?: string;
  /** Settings of the schedule, between the definition's and the call's. */
  readonly scheduleSettings?: JobSettings | undefined;
  /** The enqueuer's trace context as stored (JSON), when traced. */
  readonly trace?: string | null;
}

/** What the jobs of one `enqueue` or `enqueueMany` call share. */
interface Shared {
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  readonly runAt: number;
  readonly maxAttempts: number;
  readonly backoff: string;
  readonly timeoutMs: number;
  readonly dedupeKey: string | null;
  readonly tickKey: string | null;
  readonly now: number;
  readonly trace: string | null;
}

/** What each job has of its own. */
interface Own {
  readonly id: string;
  readonly payload: string;
  readonly context: string;
}

/**
 * Checks a job's name and options and fills in its settings; `own` validates one payload (the
 * job's schema) and gives it an id and its context.
 */
function prepare(
  rt: JobsRuntime,
  job: NewJob,
  op: string,
): Result<{ shared: Shared; own(payload: unknown): ResultAsync<Own, JobsError> }, JobsError> {
  const definition = rt.definitions[job.name];
  if (definition === undefined) return err(unknownJob(rt, job.name, op));
  let options: v.InferOutput<typeof enqueueOptions>;
  try {
    options = parseOptions(enqueueOptions, job.options ?? {}, `${op} '${job.name}'`);
  } catch (thrown) {
    if (thrown instanceof KeelOptionsError) return err(jobsError('INVALID_ARGUMENT', op, thrown.message, thrown));
    throw thrown;
  }
  if (options.runAt !== undefined && options.delayMs !== undefined) {
    return err(jobsError('INVALID_ARGUMENT', op, `${op} '${job.name}': give runAt or delayMs, not both`));
  }
  const settings = resolveSettings(rt.defaults, definition, job.scheduleSettings, options as JobSettings);
  const now = rt.clock.now();
  const runAt =
    options.runAt !== undefined
      ? Number(options.runAt instanceof Date ? options.runAt.getTime() : options.runAt)
      : now + (options.delayMs ?? 0);
  const context = currentContext();
  const shared: Shared = {
    name: job.name,
    queue: settings.queue,
    priority: settings.priority,
    runAt,
    maxAttempts: settings.maxAttempts,
    backoff: JSON.stringify(settings.backoff),
    timeoutMs: settings.timeoutMs,
    dedupeKey: options.dedupeKey ?? null,
    tickKey: job.tickKey ?? null,
    now,
    trace: job.trace ?? null,
  };
  return ok({
    shared,
    own: (payload: unknown) =>
      validatePayload(job.name, definition.schema, payload, op)
        .andThen((valid) => toJson(valid, `job '${job.name}': the payload`, op))
        .map((text) => {
          const id = randomUUID();
          return { id, payload: text, context: JSON.stringify({ correlationId: id, ...context }) };
        }),
  });
}

/**
 * Validates and inserts one job, in `target`. A dedupe key held by a live job returns that
 * job (`deduplicated`); so does a tick another process fired first.
 */
export function insertJob(
  rt: JobsRuntime,
  target: Target,
  job: NewJob,
  op = 'enqueue',
): ResultAsync<Enqueued, JobsError> {
  const prepared = prepare(rt, job, op);
  if (prepared.isErr()) return errAsync(prepared.error);
  const { shared: s, own } = prepared.value;
  return own(job.payload).andThen(({ id, payload, context }) =>
    target
      .execute(rt.statements.insert, [
        id,
        s.queue,
        s.name,
        payload,
        s.priority,
        s.runAt,
        s.maxAttempts,
        s.backoff,
        s.timeoutMs,
        s.dedupeKey,
        s.tickKey,
        context,
        s.now,
        s.trace,
      ])
      .mapErr(fromSql(op, `enqueueing '${job.name}'`))
      .andThen(({ rowsAffected }) => {
        if (rowsAffected === 1) return announce(rt, target, s).map(() => ({ id, deduplicated: false }));
        // A tick another process fired first, or a live job holding the key.
        const [holderOf, key] =
          s.dedupeKey === null
            ? [rt.statements.byTick, [s.tickKey ?? '']]
            : [rt.statements.liveByKey, [s.name, s.dedupeKey]];
        return target
          .query(holderOf, key)
          .mapErr(fromSql(op, `reading the job that holds key '${s.dedupeKey ?? s.tickKey}'`))
          .andThen(({ rows }) => {
            const holder = rows[0]?.[0];
            // The holder finished between the insert and this read: the key is free again.
            return typeof holder === 'string'
              ? okAsync({ id: holder, deduplicated: true })
              : insertJob(rt, target, job, op);
          });
      }),
  );
}

/** Jobs per `INSERT`: each statement carries its jobs as one JSON parameter. */
const jobsPerInsert = 5000;

/**
 * Validates every payload, then inserts them with one `INSERT … SELECT` per 5000 jobs, the
 * jobs' own fields passed as one JSON array (so the statement is the same whatever the count),
 * in `target` (in a transaction of its own when `target` is not one and one statement is not
 * enough). No dedupe key: each payload is a new job.
 */
export function insertJobs(
  rt: JobsRuntime,
  target: Target,
  name: string,
  payloads: readonly unknown[],
  options: EnqueueOptions | undefined,
  trace: string | null = null,
): ResultAsync<Enqueued[], JobsError> {
  const op = 'enqueueMany';
  if (!Array.isArray(payloads)) {
    return errAsync(jobsError('INVALID_ARGUMENT', op, `${op} '${name}': expected an array of payloads`));
  }
  if (options?.dedupeKey !== undefined) {
    return errAsync(jobsError('INVALID_ARGUMENT', op, `${op} '${name}': dedupeKey names one job; use enqueue`));
  }
  const prepared = prepare(rt, { name, payload: undefined, options, trace }, op);
  if (prepared.isErr()) return errAsync(prepared.error);
  const { shared: s, own } = prepared.value;
  return ResultAsync.combine(payloads.map(own)).andThen((rows) => {
    if (rows.length === 0) return okAsync([]);
    const chunks: Own[][] = [];
    for (let i = 0; i < rows.length; i += jobsPerInsert) chunks.push(rows.slice(i, i + jobsPerInsert));
    const common = [s.queue, s.name, s.priority, s.runAt, s.maxAttempts, s.backoff, s.timeoutMs, s.now, s.trace];
    const write = (into: Target) =>
      chunks.reduce<ResultAsync<void, SqlError>>(
        (previous, chunk) =>
          previous.andThen(() =>
            into.execute(rt.statements.insertMany, [...common, JSON.stringify(chunk)]).map(() => undefined),
          ),
        okAsync(undefined),
      );
    const written = 'depth' in target || chunks.length === 1 ? write(target) : target.transaction((tx) => write(tx));
    return written
      .mapErr(fromSql(op, `enqueueing ${rows.length} '${name}' jobs`))
      .andThen(() => announce(rt, target, s))
      .map(() => rows.map((r) => ({ id: r.id, deduplicated: false })));
  });
}

/** Tells the workers of every process about a job due now (a later one waits for the poll it is due at). */
function announce(rt: JobsRuntime, target: Target, s: Shared): ResultAsync<void, JobsError> {
  return rt.announce && s.runAt <= s.now ? rt.announce(target, s.name) : okAsync(undefined);
}

/** A Keel transaction (it has a depth), not a plain `Sql`. */
export function checkTransaction(tx: unknown, op: string): Result<SqlTransaction, JobsError> {
  const depth = (tx as { depth?: unknown } | null)?.depth;
  if (typeof depth === 'number' && depth >= 1 && typeof (tx as SqlTransaction).execute === 'function') {
    return ok(tx as SqlTransaction);
  }
  return err(
    jobsError(
      'NOT_IN_TRANSACTION',
      op,
      `${op}: expected a Keel transaction (from sql.transaction(async (tx) => …)) as tx; for no transaction, leave it out`,
    ),
  );
}

export function unknownJob(rt: JobsRuntime, name: string, op: string): JobsError {
  const known = Object.keys(rt.definitions);
  return jobsError(
    'UNKNOWN_JOB',
    op,
    `${op}: no job named '${name}' is defined (known: ${known.join(', ') || 'none'}); add it to createJobs({ jobs })`,
  );
}
