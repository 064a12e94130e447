import { integer, option } from '@keel/core/adapter';
import * as v from 'valibot';
import { type StoredBackoff, storedBackoff } from './backoff.js';
import type { JobSettings } from './job-definition.js';

const maxDelay = 2 ** 31 - 1;

const backoff = v.variant(
  'type',
  [
    v.strictObject({
      type: v.literal('exponential'),
      delayMs: v.optional(integer(0, maxDelay)),
      maxDelayMs: v.optional(integer(0, maxDelay)),
      jitter: v.optional(v.boolean('expected true or false')),
    }),
    v.strictObject({ type: v.literal('fixed'), delayMs: integer(0, maxDelay) }),
  ],
  "expected { type: 'exponential', delayMs?, maxDelayMs?, jitter? } or { type: 'fixed', delayMs }",
);

/** A queue name: what the `queue` setting and a worker's `queue` take. */
export const queueName = v.pipe(
  v.string('expected a queue name'),
  v.regex(/^[\w.:-]{1,100}$/, 'expected 1 to 100 letters, digits or `_.:-`'),
);

/** The settings a definition, the defaults and one `enqueue` may give, every one optional. */
export const jobSettingsEntries = {
  queue: v.optional(queueName),
  priority: v.optional(integer(-1_000_000, 1_000_000)),
  maxAttempts: v.optional(integer(1, 1_000_000)),
  backoff: v.optional(backoff),
  timeoutMs: v.optional(integer(1, maxDelay)),
};

/** The `defaults` option: settings every job starts from. */
export const jobDefaultsOption = option(
  v.strictObject({
    queue: option(queueName, { default: 'default', description: 'The queue a job goes to.' }),
    priority: option(integer(-1_000_000, 1_000_000), { default: 0, description: 'Higher runs first.' }),
    maxAttempts: option(integer(1, 1_000_000), { default: 5, description: 'Attempts before a job is dead.' }),
    backoff: option(backoff, {
      default: { type: 'exponential' },
      description: 'The wait after a failed attempt (1 s doubling to 1 h, jittered).',
    }),
    timeoutMs: option(integer(1, maxDelay), { default: 900_000, description: 'The longest attempt, in ms.' }),
  }),
  {
    default: {},
    description:
      'Settings of every job, under those of its definition and of the `enqueue` call: `queue`, `priority`, ' +
      '`maxAttempts`, `backoff` (`exponential` with jitter, or `fixed`), `timeoutMs`.',
  },
);

/** Every setting of one job, as stored with it. */
export interface ResolvedSettings {
  readonly queue: string;
  readonly priority: number;
  readonly maxAttempts: number;
  readonly backoff: StoredBackoff;
  readonly timeoutMs: number;
}

/** The settings of one job: the call's over the definition's over the defaults. */
export function resolveSettings(
  defaults: v.InferOutput<typeof jobDefaultsOption>,
  ...layers: (JobSettings | undefined)[]
): ResolvedSettings {
  const merged: Record<string, unknown> = { ...defaults };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) if (value !== undefined) merged[key] = value;
  }
  const s = merged as unknown as Required<JobSettings>;
  return {
    queue: s.queue,
    priority: s.priority,
    maxAttempts: s.maxAttempts,
    backoff: storedBackoff(s.backoff),
    timeoutMs: s.timeoutMs,
  };
}
