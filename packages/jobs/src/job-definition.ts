import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { BackoffOptions } from './backoff.js';

/** Settings a job definition, the jobs instance's `defaults` and one `enqueue` may give. */
export interface JobSettings {
  /** The queue it goes to: workers and listings can be limited to one. @default 'default' */
  readonly queue?: string;
  /** Higher runs first among due jobs of the same name. @default 0 */
  readonly priority?: number;
  /** Attempts before it is dead (a worker that died mid-attempt counts). @default 5 */
  readonly maxAttempts?: number;
  /** The wait before the next attempt after a failure. @default { type: 'exponential', delayMs: 1000 } */
  readonly backoff?: BackoffOptions;
  /** An attempt running longer fails with `TIMEOUT` and its `signal` aborts. @default 900_000 */
  readonly timeoutMs?: number;
}

/**
 * A kind of job: its payload schema and its default settings. `In` is what `enqueue` takes,
 * `Out` what the handler gets (a schema may transform), `R` what the handler returns.
 */
export interface JobDefinition<In = unknown, Out = In, R = unknown> extends JobSettings {
  /** Any Standard Schema (valibot, zod, arktype): checked at `enqueue` and again before the handler runs. */
  readonly schema?: StandardSchemaV1<In, Out>;
  /** Only carries the result type. */
  readonly '~result'?: R;
}

/** Definitions by job name: what `createJobs({ jobs })` takes. */
// biome-ignore lint/suspicious/noExplicitAny: a map of definitions of any payload type.
export type JobMap = Record<string, JobDefinition<any, any, any>>;

/** What `enqueue` takes for job `N`. */
export type PayloadIn<M extends JobMap, N extends keyof M> =
  M[N] extends JobDefinition<infer I, infer _O, infer _R> ? I : never;
/** What the handler of job `N` gets. */
export type PayloadOut<M extends JobMap, N extends keyof M> =
  M[N] extends JobDefinition<infer _I, infer O, infer _R> ? O : never;
/** What the handler of job `N` returns. */
export type ResultOf<M extends JobMap, N extends keyof M> =
  M[N] extends JobDefinition<infer _I, infer _O, infer R> ? R : never;

/**
 * Declares a job. With a Standard Schema the payload types come from it; without one, name the
 * payload type: `defineJob<{ userId: string }>()`.
 *
 * @example
 * const jobs = createJobs({
 *   sql: keel.sql,
 *   jobs: {
 *     'digest.send': defineJob({ schema: v.object({ workspaceId: v.string() }), maxAttempts: 3 }),
 *     'audit.cleanup': defineJob<{ olderThanDays: number }>({ timeoutMs: 60_000 }),
 *   },
 * });
 */
export function defineJob<S extends StandardSchemaV1, R = unknown>(
  definition: JobSettings & { readonly schema: S },
): JobDefinition<StandardSchemaV1.InferInput<S>, StandardSchemaV1.InferOutput<S>, R>;
export function defineJob<P = unknown, R = unknown>(definition?: JobSettings): JobDefinition<P, P, R>;
export function defineJob(definition: JobSettings & { readonly schema?: StandardSchemaV1 } = {}): JobDefinition {
  if (definition === null || typeof definition !== 'object') {
    throw new TypeError('defineJob: expected { schema?, queue?, priority?, maxAttempts?, backoff?, timeoutMs? }');
  }
  const schema = definition.schema;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw new TypeError('defineJob: schema must be a Standard Schema (valibot, zod, arktype, …)');
  }
  return Object.freeze({ ...definition });
}
