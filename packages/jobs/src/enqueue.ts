import { randomUUID } from 'node:crypto';
import {
  currentContext,
  err,
  errAsync,
  ok,
  okAsync,
  type Result,
  type ResultAsync,
  type Sql,
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
  const definition = rt.definitions[job.name];
  if (definition === undefined) return errAsync(unknownJob(rt, job.name, op));
  let options: v.InferOutput<typeof enqueueOptions>;
  try {
    options = parseOptions(enqueueOptions, job.options ?? {}, `${op} '${job.name}'`);
  } catch (thrown) {
    if (thrown instanceof KeelOptionsError) return errAsync(jobsError('INVALID_ARGUMENT', op, thrown.message, thrown));
    throw thrown;
  }
  if (options.runAt !== undefined && options.delayMs !== undefined) {
    return errAsync(jobsError('INVALID_ARGUMENT', op, `${op} '${job.name}': give runAt or delayMs, not both`));
  }
  const settings = resolveSettings(rt.defaults, definition, job.scheduleSettings, options as JobSettings);
  const now = rt.clock.now();
  const runAt =
    options.runAt !== undefined
      ? Number(options.runAt instanceof Date ? options.runAt.getTime() : options.runAt)
      : now + (options.delayMs ?? 0);
  return validatePayload(job.name, definition.schema, job.payload, op)
    .andThen((payload) => toJson(payload, `job '${job.name}': the payload`, op))
    .andThen((payload) => {
      const id = randomUUID();
      const context = { correlationId: id, ...currentContext() };
      const dedupeKey = options.dedupeKey ?? null;
      return target
        .execute(rt.statements.insert, [
          id,
          settings.queue,
          job.name,
          payload,
          settings.priority,
          runAt,
          settings.maxAttempts,
          JSON.stringify(settings.backoff),
          settings.timeoutMs,
          dedupeKey,
          job.tickKey ?? null,
          JSON.stringify(context),
          now,
        ])
        .mapErr(fromSql(op, `enqueueing '${job.name}'`))
        .andThen(({ rowsAffected }) => {
          if (rowsAffected === 1) return okAsync({ id, deduplicated: false });
          // A tick another process fired first, or a live job holding the key.
          const [holderOf, key] =
            dedupeKey === null
              ? [rt.statements.byTick, [job.tickKey ?? '']]
              : [rt.statements.liveByKey, [job.name, dedupeKey]];
          return target
            .query(holderOf, key)
            .mapErr(fromSql(op, `reading the job that holds key '${dedupeKey ?? job.tickKey}'`))
            .andThen(({ rows }) => {
              const holder = rows[0]?.[0];
              // The holder finished between the insert and this read: the key is free again.
              return typeof holder === 'string'
                ? okAsync({ id: holder, deduplicated: true })
                : insertJob(rt, target, job, op);
            });
        });
    });
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
