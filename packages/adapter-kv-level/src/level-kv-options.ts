import { resolve } from 'node:path';
import { boolean, integer, kvLimitsOption, maxTimerMs, option, required, clockOption } from '@keel/core/adapter';
import * as v from 'valibot';

/**
 * The options of `createLevelKv`, declared once: the type, the checks and the README table come from here.
 *
 * @example
 * const { location, sync } = parseOptions(levelKvOptions, { location: './data/kv', sync: true }, 'createLevelKv');
 */
export const levelKvOptions = v.strictObject({
  location: required(
    v.pipe(
      v.string('expected a folder path'),
      v.check((path) => path.trim() !== '', 'expected a folder path'),
      // Resolved once, when the options are read, so a later `process.chdir` moves nothing.
      v.transform((path) => resolve(path)),
    ),
    'The folder LevelDB keeps the store in; relative paths resolve against the working directory when the ' +
      'store is created. One process at a time may open a folder.',
  ),
  sync: option(boolean(), {
    default: false,
    description:
      '`true`: every write is flushed to disk (fsync) before it is acknowledged, so it survives power loss and ' +
      "OS crashes. `false`: a write is acknowledged once it is in LevelDB's log in the OS page cache; it survives " +
      'the process being killed. See [Durability](#durability).',
  }),
  createIfMissing: option(boolean(), {
    default: true,
    description:
      'Create the folder (and its parents) when it does not exist. `false`: a missing folder is `UNAVAILABLE`.',
  }),
  sweepIntervalMs: option(integer(1, maxTimerMs), {
    default: 1000,
    description:
      'How often expired keys are deleted from disk, in ms. Expired keys are never returned in between; ' +
      'the timer never keeps the process alive.',
  }),
  limits: kvLimitsOption,
  clock: clockOption(),
});

/** Options of `createLevelKv`. */
export type LevelKvOptions = v.InferInput<typeof levelKvOptions>;
/** The options with every default filled in; `location` is absolute. */
export type ResolvedLevelKvOptions = v.InferOutput<typeof levelKvOptions>;
