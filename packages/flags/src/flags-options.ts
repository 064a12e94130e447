import { fn, integer, maxTimerMs, option, string } from '@keel/core/adapter';
import * as v from 'valibot';
import { flagDefinition } from './flag-definition.js';
import type { FlagsError } from './flags-errors.js';

/** The options of `createFlags`, declared once: the type, the checks and the README table come from it. */
export const flagsOptions = v.strictObject({
  flags: option(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9][\w.:-]{0,199}$/)), flagDefinition), {
    default: {},
    description:
      'The flags from config, by key (letters, digits, `.`, `:`, `-`, `_`): each `{ type, default, enabled?, rules?, ' +
      'rollout? }`. A flag set in kv (`set`) overrides the config one of the same key until `remove`d.',
  }),
  prefix: option(string(), {
    default: 'flags:',
    description: 'Put before each flag key in kv, so that several flag sets can share one kv.',
  }),
  refreshMs: option(integer(0, maxTimerMs), {
    default: 1000,
    description:
      'How often the flags set in kv are read again, in ms, so a change made by another process applies here ' +
      'within this time (in this process at once). `0` reads them only at `ready()`.',
  }),
  onError: option(fn<(error: FlagsError) => void>(), {
    defaultText: 'ignore',
    description: 'Called with each failed refresh and each flag in kv that does not parse (the last good one stays).',
  }),
});

export type FlagsOptions = v.InferInput<typeof flagsOptions>;
