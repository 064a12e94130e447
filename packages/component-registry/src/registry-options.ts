import { type KeyObject, createPublicKey } from 'node:crypto';
import type { Blobstore } from '@keel/core';
import {
  boolean,
  containerNameProblem,
  integer,
  maxTimerMs,
  option,
  required,
  shaped,
  withMethods,
} from '@keel/core/adapter';
import * as v from 'valibot';

const identifier = v.pipe(
  v.string('expected a plain identifier'),
  v.regex(/^[A-Za-z_]\w{0,50}$/, 'expected a plain identifier of at most 51 characters'),
);

/** An ed25519 public key as wasm-host takes it: a `KeyObject`, PEM text, or the raw 32 bytes. */
const publicKey = shaped<KeyObject | string | Uint8Array>(
  'an ed25519 public key (a KeyObject, PEM text or the raw 32 bytes)',
  (value) =>
    (typeof value === 'string' || value instanceof Uint8Array || isKeyObject(value)) && asEd25519(value) !== undefined,
);

/** The options of `createComponentRegistry`, declared once: the type, the checks and the README table come from it. */
export const registryOptions = v.strictObject({
  table: option(identifier, {
    default: 'keel_components',
    description: 'The prefix of the registry tables: `<table>_blobs`, `_versions`, `_names`, `_audit`.',
  }),
  maxBytes: option(integer(1, 2 ** 31 - 1), {
    default: 32 * 1024 * 1024,
    description: 'The largest component an upload may have, in bytes.',
  }),
  requireSignature: option(boolean(), {
    default: false,
    description: 'Refuse uploads without an ed25519 signature from one of `trustedKeys`.',
  }),
  trustedKeys: option(v.record(v.string(), publicKey), {
    default: {},
    description: 'The signers whose signatures uploads may carry, by name: ed25519 public keys.',
  }),
  blobstore: option(
    v.strictObject(
      {
        store: required(
          v.pipe(
            withMethods<Blobstore>('a blobstore', ['read', 'write', 'delete']),
            v.metadata({ type: 'a blobstore' }),
          ),
          'The blobstore: `keel.blobstore`, or an adapter.',
        ),
        container: required(
          v.pipe(
            v.string('expected a container name'),
            v.rawCheck(({ dataset, addIssue }) => {
              const problem = dataset.typed ? containerNameProblem(dataset.value) : undefined;
              if (problem) addIssue({ message: problem });
            }),
          ),
          'The container the objects go in; it must exist.',
        ),
      },
      'expected { store, container }',
    ),
    {
      defaultText: 'the database',
      description:
        'Where component bytes live: objects named `<table>/<sha256>` in `container`, the database keeping only ' +
        'their hash (else in `<table>_blobs`). Bytes are checked against the hash on every download and load.',
    },
  ),
  refreshMs: option(integer(0, maxTimerMs), {
    default: 1000,
    description:
      "How long a process serves a component's routing (active version, canary, grants) before reading it again, " +
      'in ms: changes made in this process apply at once, changes made by another process within this time.',
  }),
});

export type RegistryOptions = v.InferInput<typeof registryOptions>;
export type ParsedRegistryOptions = v.InferOutput<typeof registryOptions>;

/** The key as a `KeyObject` when it is an ed25519 public key. */
export function asEd25519(key: KeyObject | string | Uint8Array): KeyObject | undefined {
  try {
    const object = isKeyObject(key)
      ? key
      : typeof key === 'string'
        ? createPublicKey(key)
        : createPublicKey({ key: Buffer.concat([ed25519SpkiPrefix, key]), format: 'der', type: 'spki' });
    return object.type === 'public' && object.asymmetricKeyType === 'ed25519' ? object : undefined;
  } catch {
    return undefined;
  }
}

// An ed25519 SubjectPublicKeyInfo is this fixed DER header followed by the 32 raw key bytes.
const ed25519SpkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === 'object' && value !== null && 'asymmetricKeyType' in value && 'export' in value;
}
