import { integer, kvLimitsOption, maxTimerMs, option, clockOption } from '@keel/core/adapter';
import * as v from 'valibot';

/** The options of `createMemoryKv`, declared once: the type, the checks and the README table come from here. */
export const memoryKvOptions = v.strictObject({
  sweepIntervalMs: option(integer(1, maxTimerMs), {
    default: 1000,
    description:
      "How often expired keys' memory is reclaimed, in ms. Expired keys are never returned in between; " +
      'the timer never keeps the process alive.',
  }),
  limits: kvLimitsOption,
  clock: clockOption(),
});

/** Options of `createMemoryKv`. */
export type MemoryKvOptions = v.InferInput<typeof memoryKvOptions>;
/** The options with every default filled in. */
export type ResolvedMemoryKvOptions = v.InferOutput<typeof memoryKvOptions>;
