import type { ResultAsync, Sql } from '@keel/core';
import type { JobDefinition, Jobs } from '@keel/jobs';
import type { ComponentBreakers } from './component-breakers.js';
import type { RunStore } from './run-store.js';
import type { CompiledWorkflow } from './validate-definition.js';

/** The job every step visit runs as. */
export const stepJob = 'keel.workflow-step';
export interface StepPayload {
  readonly run: string;
  readonly key: string;
}
export type StepJobs = { [stepJob]: JobDefinition<StepPayload, StepPayload, unknown> };

/**
 * What serves component steps: `@keel/component-registry`'s registry fits (any object with these
 * two methods does). `get` is asked at `register`, `component(name).callWith` for each visit,
 * with the run and step for the call's execution record.
 */
export interface WorkflowComponents {
  component(name: string): {
    callWith(
      options: {
        readonly workflow: { readonly run: string; readonly step: string };
        readonly maxFuel?: number;
        readonly onRecord?: (record: {
          readonly fuelUsed: number | undefined;
          readonly hostCalls: Readonly<Record<string, number>>;
        }) => void;
      },
      exportName: string,
      ...args: unknown[]
    ): ResultAsync<unknown, { readonly code: string; readonly message: string }>;
  };
  get(name: string): ResultAsync<
    {
      readonly active: string | undefined;
      readonly versions: readonly { readonly version: string; readonly exports: readonly string[] }[];
    },
    { readonly code: string; readonly message: string }
  >;
}

/** Everything the engine's parts share. */
export interface WorkflowsRuntime {
  readonly sql: Sql;
  readonly store: RunStore;
  readonly jobs: Jobs<StepJobs>;
  readonly registry: WorkflowComponents | undefined;
  /** One circuit per component (`circuitBreaker`); none when it is `false`. */
  readonly breakers: ComponentBreakers | undefined;
  readonly workflows: Map<string, CompiledWorkflow>;
  /** Attempts a step's job may lose to dying workers, beyond its retry policy. */
  readonly crashAttempts: number;
  /** The running steps of this process by key: `cancel` aborts them at once. */
  readonly running: Map<string, AbortController>;
  readonly now: () => number;
}
