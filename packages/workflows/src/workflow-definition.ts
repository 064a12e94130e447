import type { Result, ResultAsync } from '@keel/core';
import type { BackoffOptions } from '@keel/jobs';

/** A JSON value: what a run's input, context, step configs and outputs are made of. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/**
 * What a step does with its output:
 * - `task` (the default): the output is kept (`${steps.<id>.output}`) and the run goes on to `next`;
 * - `transform`: the output (an object) is also merged into the run's context, keeping what it did not set;
 * - `validate`: the output is a list of issues (or `{ errors: [...] }`); any issue fails the run with `VALIDATION`;
 * - `route`: the output names the next step(s) — a step id, a list of them (run in parallel), or
 *   `null`/`[]` (this branch ends) — either as itself or as its `next` field; each must be one of `routes`.
 */
export type StepKind = 'task' | 'transform' | 'validate' | 'route';

/** A step's retry policy: the same settings as a job's. */
export interface RetryPolicy {
  /** Attempts that may fail before the run fails. @default 3 */
  readonly maxAttempts?: number;
  /** The wait after a failed attempt. @default { type: 'exponential', delayMs: 1000 } */
  readonly backoff?: BackoffOptions;
}

/** What every kind of step may say. */
export interface StepCommon {
  /** @default 'task' */
  readonly kind?: StepKind;
  /** The step(s) that run after this one (several run in parallel); none ends the branch. Not on `route` steps. */
  readonly next?: string | readonly string[];
  /** The steps a `route` step may choose: its output must name only these. */
  readonly routes?: readonly string[];
  /**
   * Waits for every branch of the run that can still reach it, then runs once: the join of a
   * fan-out. Without it, each arrival runs the step.
   */
  readonly join?: boolean;
  /** How often the step may run in one run: the bound a cycle through it needs. */
  readonly maxVisits?: number;
  readonly retry?: RetryPolicy;
  /** An attempt running longer fails with `TIMEOUT` (and its `signal` aborts). @default 60_000 */
  readonly timeoutMs?: number;
}

/** What a TypeScript step gets. */
export interface StepCall {
  readonly runId: string;
  readonly workflow: string;
  readonly step: string;
  /** `<runId>:<step>:<visit>`: the same on every attempt of this visit — the idempotency key of its effects. */
  readonly key: string;
  /** 1, 2, … */
  readonly attempt: number;
  /** The step's `config`, its `${…}` resolved. */
  readonly config: Json;
  /** The run's input, as started. */
  readonly input: Json;
  /** The run's context now. */
  readonly context: Json;
  /** Aborts at the step's timeout or when the run is cancelled. */
  readonly signal: AbortSignal;
}

/** A TypeScript step: returns its output (JSON); throws or returns an `Err` to fail the attempt. */
export type StepFunction = (
  step: StepCall,
) => unknown | PromiseLike<unknown> | Result<unknown, unknown> | ResultAsync<unknown, unknown>;

/** A step run by a TypeScript function. */
export interface FunctionStep extends StepCommon {
  readonly run: StepFunction;
  /** Resolved (`${input.x}`, `${context.x}`, `${steps.<id>.output.x}`, `${run.id}`) and passed as `config`. */
  readonly config?: Json;
}

/** A step run by an export of a component the registry serves (its active version). */
export interface ComponentStep extends StepCommon {
  /** The component's name in the registry. */
  readonly component: string;
  /** The export to call. */
  readonly export: string;
  /** The export's arguments, in order, each resolved like a function step's `config`. @default [] */
  readonly args?: readonly Json[];
  /** `'json'`: the export returns JSON text, parsed into the output. @default 'value' */
  readonly output?: 'value' | 'json';
  /**
   * Fuel each attempt may use (wasm-host's `maxFuel` for the call; the version's `limits.maxFuel`
   * still caps it, and the version must have one). Past it the attempt fails with `FUEL_EXHAUSTED`.
   * @default the version's limit
   */
  readonly fuel?: number;
}

export type StepDefinition = FunctionStep | ComponentStep;

/**
 * A workflow: its steps by id, run from `start` (the first step by default).
 *
 * @example
 * const triage = defineWorkflow({
 *   steps: {
 *     check: { kind: 'validate', run: ({ input }) => (input.title ? [] : [{ path: 'title', message: 'required' }]), next: 'pick' },
 *     pick: { kind: 'route', routes: ['urgent', 'later'], run: ({ input }) => (input.priority > 2 ? 'urgent' : 'later') },
 *     urgent: { component: 'notify', export: 'page', args: ['${input.title}'] },
 *     later: { kind: 'transform', run: () => ({ queued: true }) },
 *   },
 * });
 */
export interface WorkflowDefinition {
  /** @default the first step */
  readonly start?: string;
  readonly steps: Readonly<Record<string, StepDefinition>>;
}

/**
 * Declares a workflow (the identity, typed): register it with `workflows.register(name, definition)`.
 *
 * @example
 * const hello = defineWorkflow({ steps: { greet: { run: ({ input }) => `hello ${String(input)}` } } });
 */
export function defineWorkflow<const D extends WorkflowDefinition>(definition: D): D {
  return definition;
}

/** Whether a step is a component's export. */
export function isComponentStep(step: StepDefinition): step is ComponentStep {
  return 'component' in step;
}
