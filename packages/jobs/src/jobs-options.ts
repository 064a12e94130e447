import type { KeelLogger, KeelObservability, Sql } from '@keel/core';
import { clockOption, fn, integer, maxTimerMs, oneOf, option, shaped, withMethods } from '@keel/core/adapter';
import * as v from 'valibot';
import { jobDefaultsOption, jobSettingsEntries } from './job-settings.js';

const identifier = v.pipe(
  v.string('expected a plain identifier'),
  v.regex(/^[A-Za-z_]\w{0,50}$/, 'expected a plain identifier of at most 51 characters'),
);

const sqlInstance = shaped<Sql>(
  'a Sql instance',
  (value) =>
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    ['transaction', 'query', 'execute'].every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
);

const definition = v.strictObject({
  ...jobSettingsEntries,
  schema: v.optional(
    shaped(
      'a Standard Schema',
      (value) => typeof (value as { '~standard'?: { validate?: unknown } })?.['~standard']?.validate === 'function',
    ),
  ),
});

const schedule = v.strictObject({
  job: v.string('expected the name of a defined job'),
  cron: v.optional(v.string('expected a cron expression')),
  timeZone: v.optional(v.string('expected an IANA time zone such as Europe/Paris')),
  everyMs: v.optional(integer(10, maxTimerMs)),
  payload: v.optional(v.unknown()),
  options: v.optional(v.strictObject(jobSettingsEntries)),
  missed: v.optional(oneOf(['latest', 'all', 'skip'])),
});

const schema = v.strictObject({
  sql: option(v.union([sqlInstance, v.string()], 'expected a Sql instance (or, in jobsService, an instance name)'), {
    defaultText: 'the default sql instance',
    description: 'The database the jobs live in. A `Sql`, or in `jobsService` the name of a sql instance.',
  }),
  jobs: option(v.record(v.string(), definition, 'expected { [name]: defineJob(…) }'), {
    default: {},
    description: 'The jobs, by name (`defineJob`): their payload schemas and settings.',
  }),
  schedules: option(v.record(v.string(), schedule, 'expected { [name]: { job, cron | everyMs, … } }'), {
    default: {},
    description:
      'Schedules, by name: `{ job, payload?, cron, timeZone? }` or `{ job, payload?, everyMs }`, with `missed` ' +
      "('latest', 'all', 'skip') and `options`. Also registered from code with `schedule()`.",
  }),
  table: option(identifier, {
    default: 'keel_jobs',
    description: 'The jobs table; schedules live in `<table>_schedules`.',
  }),
  defaults: jobDefaultsOption,
  leaseMs: option(integer(50, maxTimerMs), {
    default: 30_000,
    description:
      'How long a worker owns a job without renewing it, in ms; it renews every third of it while the job runs. ' +
      "A dead worker's jobs run again elsewhere this long after it died.",
  }),
  pollIntervalMs: option(integer(1, maxTimerMs), {
    default: 1000,
    description:
      'How often an idle worker looks for due jobs, in ms. An `enqueue` wakes the workers of its own process at ' +
      'once, and with `notifications` those of every process (else, on PostgreSQL, a job enqueued inside a ' +
      'transaction waits for the next poll).',
  }),
  notifications: option(v.boolean('expected true or false'), {
    default: true,
    description:
      'When the sql has the `notifications` capability (PostgreSQL): each enqueue of a due job notifies ' +
      '`<table>_wake` (in its transaction, so at commit) and idle workers in every process look at once; ' +
      'polling stays as the safety net. `false`: poll only.',
  }),
  shutdownGraceMs: option(integer(0, maxTimerMs), {
    default: 10_000,
    description: 'How long `close()` and `Worker.stop()` wait for running jobs before handing them back, in ms.',
  }),
  lateTickMs: option(integer(0, maxTimerMs), {
    default: 60_000,
    description:
      "A schedule's tick found later than this is missed, and fired or not by the schedule's `missed` policy.",
  }),
  keepCompletedMs: option(integer(0, Number.MAX_SAFE_INTEGER), {
    default: 86_400_000,
    description: 'How long completed and cancelled jobs are kept, in ms; 0 keeps them.',
  }),
  keepDeadMs: option(integer(0, Number.MAX_SAFE_INTEGER), {
    default: 1_209_600_000,
    description: 'How long dead jobs are kept for inspection and `requeue`, in ms; 0 keeps them.',
  }),
  workerId: option(v.pipe(v.string(), v.regex(/^[\w.:-]{1,50}$/, 'expected 1 to 50 letters, digits or `_.:-`')), {
    defaultText: 'host:pid:random',
    description: "Names this process's leases (unique per process; each worker adds `/<n>`).",
  }),
  clock: clockOption(),
  random: option(fn<() => number>(), { defaultText: 'Math.random', description: 'Jitter source in [0, 1).' }),
  onError: option(fn<(error: Error) => void>(), {
    defaultText: 'ignore',
    description: 'Called with what a background pass could not do (a database error); the loops keep going.',
  }),
  logger: option(withMethods<KeelLogger>('a logger (debug, info, warn, error, child)', ['warn', 'error', 'child']), {
    defaultText: "the app's keel.logger in jobsService; else silent",
    description: 'Where failed attempts (warn: retried; error: dead) and background failures (error) are logged.',
  }),
  observability: option(
    withMethods<KeelObservability>('keel.observability or createObservability()', ['span', 'counter']),
    {
      defaultText: "the app's keel.observability in jobsService; else none",
      description:
        "While it records traces: a span per enqueue and per attempt, the attempt's a child of the enqueue's " +
        '(the trace context is stored with each job). Off, nothing is captured or allocated. With metrics on, ' +
        'the gauge `keel.jobs.count` (by table, queue and state), counted when metrics are read.',
    },
  ),
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface JobsOptionsSchema extends Schema {}

/**
 * The options of `createJobs` and `jobsService`, declared once: the type, the checks and the
 * README table come from it.
 *
 * @example
 * const o = parseOptions(jobsOptions, { sql, leaseMs: 500 }, 'createJobs');
 */
export const jobsOptions: JobsOptionsSchema = schema;

/** The parsed options. */
export type ParsedJobsOptions = v.InferOutput<typeof jobsOptions>;
