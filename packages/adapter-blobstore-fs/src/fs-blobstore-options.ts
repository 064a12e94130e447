import { resolve } from 'node:path';
import { blobstoreLimitsOption, boolean, clockOption, option, required } from '@keel/core/adapter';
import * as v from 'valibot';

/**
 * The options of `createFsBlobstore`, declared once: the type, the checks and the README table come from here.
 *
 * @example
 * const { root } = parseOptions(fsBlobstoreOptions, { root: './data/files' }, 'createFsBlobstore');
 */
export const fsBlobstoreOptions = v.strictObject({
  root: required(
    v.pipe(
      v.string('expected a folder path'),
      v.check((path) => path.trim() !== '', 'expected a folder path'),
      // Resolved once, when the options are read, so a later `process.chdir` moves nothing.
      v.transform((path) => resolve(path)),
    ),
    'The folder that holds the containers; relative paths resolve against the working directory when the store ' +
      'is created.',
  ),
  sync: option(boolean(), {
    default: true,
    description:
      '`true`: a write is flushed to disk (fsync of the file, then of its folder) before it is acknowledged, so it ' +
      'survives power loss. `false`: acknowledged once in the OS page cache; it survives the process being killed.',
  }),
  createIfMissing: option(boolean(), {
    default: true,
    description:
      'Create the folder (and its parents) when it does not exist. `false`: a missing folder is `CONNECTION`.',
  }),
  limits: blobstoreLimitsOption,
  clock: clockOption(),
});

/** Options of `createFsBlobstore`. */
export type FsBlobstoreOptions = v.InferInput<typeof fsBlobstoreOptions>;
/** The options with every default filled in; `root` is absolute. */
export type ResolvedFsBlobstoreOptions = v.InferOutput<typeof fsBlobstoreOptions>;
