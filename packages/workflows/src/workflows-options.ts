import type { KeelObservability, Sql } from '@keel/core';
import {
  circuitBreakerFields,
  clockOption,
  fn,
  integer,
  maxTimerMs,
  option,
  orFalse,
  required,
  shaped,
  withMethods,
} from '@keel/core/adapter';
import * as v from 'valibot';
import type { WorkflowComponents } from './workflows-runtime.js';

const identifier = v.pipe(
  v.string('expected a plain identifier'),
  v.regex(/^[A-Za-z_]\w{0,40}$/, 'expected a plain identifier of at most 41 characters'),
);

const methods = (value: unknown, names: readonly string[]) =>
  (typeof value === 'object' || typeof value === 'function') &&
  value !== null &&
  names.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

const schema = v.strictObject({
  // The type named on the outer pipe too: the options table reads only that one.
  sql: v.pipe(
    required(
      shaped<Sql>('a Sql instance', (value) => methods(value, ['transaction', 'query', 'execute'])),
      'The database the runs, their steps and their jobs live in.',
    ),
    v.metadata({ type: 'a Sql instance' }),
  ),
  registry: option(
    shaped<WorkflowComponents>('a component registry ({ component, get })', (value) =>
      methods(value, ['component', 'get']),
    ),
    {
      defaultText: 'none: no component steps',
      description:
        "Serves component steps (`@keel/component-registry`'s registry); `register` checks each step's component and export.",
    },
  ),
  table: option(identifier, {
    default: 'keel_workflows',
    description: 'The prefix of the tables: `<table>_runs`, `<table>_steps`, and the step jobs in `<table>_jobs`.',
  }),
  circuitBreaker: option(orFalse(circuitBreakerFields), {
    default: {},
    description:
      "Per component, in this process: that many failed calls in a row (traps, timeouts, exhausted fuel, a version that won't load; not a guest's own `err`) open it, and its steps wait, uncounted, until `resetAfterMs` has passed and one trial call closes it again. `false` never opens.",
  }),
  clock: clockOption("Where the components' circuits read the time (a test's manual clock)."),
  crashAttempts: option(integer(0, 1000), {
    default: 20,
    description:
      "Attempts a step may lose to workers that died or stopped mid-step, beyond its retry policy's; " +
      'one more fails the run (`STEP_FAILED`).',
  }),
  leaseMs: option(integer(50, maxTimerMs), {
    default: 30_000,
    description:
      "How long a worker owns a step without renewing its lease, in ms: a dead worker's steps run again this long after.",
  }),
  pollIntervalMs: option(integer(1, maxTimerMs), {
    default: 1000,
    description:
      'How often an idle worker looks for due steps, in ms (a step queued in this process wakes it at once).',
  }),
  shutdownGraceMs: option(integer(0, maxTimerMs), {
    default: 10_000,
    description: 'How long `close()` waits for running steps before handing them back, in ms.',
  }),
  observability: option(
    withMethods<KeelObservability>('keel.observability or createObservability()', ['span', 'counter', 'gauge']),
    {
      defaultText: 'none',
      description:
        'Where the step jobs record their spans, and the gauges `keel.workflows.runs` (runs by workflow and state) ' +
        'and `keel.workflows.step_retries` (retried attempts by workflow and step), read from the tables at each scrape.',
    },
  ),
  onError: option(fn<(error: Error) => void>(), {
    defaultText: 'ignore',
    description: 'Called with what a background pass of the step jobs could not do; the loops keep going.',
  }),
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface WorkflowsOptionsSchema extends Schema {}

/**
 * The options of `createWorkflows`, declared once: the type, the checks and the README table come from it.
 *
 * @example
 * const o = parseOptions(workflowsOptions, { sql, pollIntervalMs: 50 }, 'createWorkflows');
 */
export const workflowsOptions: WorkflowsOptionsSchema = schema;

/** Options of `createWorkflows`. */
export type WorkflowsOptions = v.InferInput<typeof workflowsOptions>;
