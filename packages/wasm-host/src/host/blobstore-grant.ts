import { containerNameProblem, integer, oneOf, option, string, text } from '@keel/core/adapter';
import * as v from 'valibot';
import type { BlobContainerGrant, BlobstoreGrant } from '../imports/blobstore-binding.js';

/**
 * A key prefix ends at a boundary, for the reason a kv prefix does: `'tenant-a'` would also
 * cover `tenant-ab/…`. Refused rather than completed, so that the keys are the ones config names.
 */
const blobPrefix = v.pipe(
  string(),
  v.check(
    (prefix) => prefix === '' || prefix.endsWith('/'),
    (issue) =>
      `must end with '/' (a separator), or be '' for the whole container: '${issue.input}' would also cover ` +
      `every key that merely starts with it, such as '${issue.input}b/…'; use '${issue.input}/'`,
  ),
);

const containerGrant = v.strictObject(
  {
    prefix: option(blobPrefix, {
      default: '',
      description: "The only keys the component may name: those starting with it (it must end with '/').",
    }),
    access: option(oneOf(['read', 'read-write']), {
      default: 'read',
      description: '`read`: stat, exists, list and read; `read-write` also write, copy to and delete.',
    }),
    maxObjectBytes: option(integer(0, Number.MAX_SAFE_INTEGER), {
      defaultText: "the adapter's limit",
      description: 'Largest object the component may write (or copy), in bytes.',
    }),
  },
  'expected { prefix?, access?, maxObjectBytes? }',
);

const containers = v.pipe(
  v.record(
    v.pipe(
      v.string(),
      v.rawCheck(({ dataset, addIssue }) => {
        const problem = dataset.typed ? containerNameProblem(dataset.value) : undefined;
        if (problem) addIssue({ message: problem });
      }),
    ),
    containerGrant,
    'expected an object of container names to { prefix?, access?, maxObjectBytes? }',
  ),
  v.check((c) => !Array.isArray(c), 'expected an object of container names to { prefix?, access?, maxObjectBytes? }'),
);

/** `grants.blobstore`: `false`, or the containers the component may use, each narrowed to a prefix. */
const grantObject = v.strictObject(
  {
    containers,
    instance: option(text(), {
      defaultText: 'the default blobstore instance',
      description: 'A named blobstore instance of the Keel app.',
    }),
  },
  'expected false or { containers, instance? }',
);

/**
 * `grants.blobstore`: `false`, or the containers the component may use, each narrowed to a prefix.
 * Chosen by the input's type (as the other grants are) so that an object's mistakes keep their paths.
 */
export const blobstoreGrant = v.pipe(
  Object.assign(
    v.lazy((input) =>
      typeof input === 'object' && input !== null && !Array.isArray(input)
        ? grantObject
        : v.literal(false, 'expected false or { containers, instance? }'),
    ),
    { entries: grantObject.entries },
  ),
  v.metadata({ type: 'false | { containers, instance? }' }),
  v.transform((grant): (BlobstoreGrant & { readonly instance: string | undefined }) | undefined => {
    if (grant === false) return undefined;
    const resolved: Record<string, BlobContainerGrant> = Object.create(null);
    for (const [name, c] of Object.entries(grant.containers)) {
      resolved[name] = Object.freeze({
        prefix: c.prefix,
        access: c.access,
        maxObjectBytes: c.maxObjectBytes,
      });
    }
    return { containers: Object.freeze(resolved), instance: grant.instance };
  }),
);
