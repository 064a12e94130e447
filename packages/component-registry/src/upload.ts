import { createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ResultAsync, type Sql, errAsync, okAsync } from '@keel/core';
import type { WasmHost, WasmHostError } from '@keel/wasm-host';
import { type RegistryError, inRegistryTerms, registryError } from './registry-errors.js';
import type { BlobHome } from './blob-home.js';
import type { RegistryStore, StoredVersion } from './registry-store.js';

/** What `upload` takes. */
export interface UploadInput {
  /** The component's name: lower-case letters, digits and `-`, `.`, `/` (1–100 characters). */
  readonly name: string;
  /** Its version (1–64 letters, digits and `.`, `-`, `+`, `_`); a version is never replaced. */
  readonly version: string;
  readonly bytes: Uint8Array;
  /** An ed25519 signature over the bytes (raw, hex or base64), by `signer`. */
  readonly signature?: Uint8Array | string;
  /** The name of the trusted key that made `signature`. */
  readonly signer?: string;
  /** Who uploads it, for the audit trail. */
  readonly actor?: string;
}

export interface UploadContext {
  readonly sql: Sql;
  readonly host: WasmHost;
  readonly store: RegistryStore;
  readonly maxBytes: number;
  readonly requireSignature: boolean;
  readonly trustedKeys: ReadonlyMap<string, KeyObject>;
  readonly now: () => number;
  /** Where the bytes go when a blobstore is configured (else into the `_blobs` row). */
  readonly home: BlobHome | undefined;
}

const namePattern = /^[a-z0-9][a-z0-9./-]{0,99}$/;
const versionPattern = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;

/** The name and version checks every operation shares. */
export function identityProblem(name: unknown, version?: unknown): string | undefined {
  if (typeof name !== 'string' || !namePattern.test(name))
    return `name ${JSON.stringify(name)} is not a component name (lower-case letters, digits, '-', '.', '/'; 1–100 characters)`;
  if (version !== undefined && (typeof version !== 'string' || !versionPattern.test(version)))
    return `version ${JSON.stringify(version)} is not a version (letters, digits, '.', '+', '_', '-'; 1–64 characters)`;
  return undefined;
}

/**
 * Checks an upload before anything is stored, cheapest first — identity, size, the signature
 * policy, a version that already exists — then has the host load it once in isolated mode with
 * no grants: that proves it is a component of the app world, checks its sha256 and signature the
 * way every later load will, and lists its exports. Only then are the bytes and the version
 * written, with the audit record, in one transaction.
 */
export function upload(c: UploadContext, input: UploadInput): ResultAsync<StoredVersion, RegistryError> {
  const problem = inputProblem(c, input);
  if (problem) return errAsync(problem);
  const { name, version, bytes, signer, signature, actor } = input;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const signed = signature === undefined ? {} : { signature, publicKey: c.trustedKeys.get(signer as string) };
  return c.store
    .version(c.sql, name, version)
    .andThen((existing) => (existing ? errAsync(versionExists(name, version)) : okAsync(undefined)))
    .andThen(() =>
      c.host
        .load(bytes, { id: `${name}@${version}`, sha256, mode: 'isolated', ...signed })
        .mapErr((cause) => probeError(cause, name, version)),
    )
    .andThen((probe) => {
      const exports = [...probe.exports];
      return ResultAsync.fromSafePromise(probe.close()).map(() => exports);
    })
    .andThen((exports) => {
      const encoded = typeof signature === 'string' || signature === undefined ? signature : base64(signature);
      const now = c.now();
      return c.sql
        .transaction((tx) =>
          c.store
            .insertVersion(
              tx,
              { name, version, sha256, bytes, exports, signer, signature: encoded, uploadedBy: actor },
              now,
            )
            // The object in the transaction that holds the bytes' row: nobody sees the row before
            // the object exists, and a delete of the same bytes elsewhere waits (see `lockBytes`).
            .andThen(() => (c.home ? c.home.put(sha256, bytes) : okAsync(undefined)))
            .andThen(() => c.store.audit(tx, { name, version, action: 'upload', actor, detail: { sha256 } }, now)),
        )
        .mapErr(inRegistryTerms('upload'))
        .mapErr((e) => (e.code === 'DATABASE' && isUniqueViolation(e) ? versionExists(name, version) : e))
        .andThen(() => c.store.version(c.sql, name, version))
        .map((stored) => stored as StoredVersion);
    });
}

function inputProblem(c: UploadContext, input: UploadInput): RegistryError | undefined {
  const invalid = (message: string) => registryError('INVALID_ARGUMENT', 'upload', `upload: ${message}`);
  if (typeof input !== 'object' || input === null) return invalid('expected { name, version, bytes }');
  const identity = identityProblem(input.name, input.version);
  if (identity) return invalid(identity);
  if (!(input.bytes instanceof Uint8Array)) return invalid('bytes must be a Uint8Array');
  if (input.bytes.byteLength > c.maxBytes)
    return registryError(
      'TOO_LARGE',
      'upload',
      `upload: ${input.name}@${input.version} is ${input.bytes.byteLength} bytes, over the registry's maxBytes (${c.maxBytes})`,
    );
  if (input.signature === undefined) {
    if (input.signer !== undefined) return invalid('signer is given but signature is not');
    if (c.requireSignature)
      return registryError(
        'SIGNATURE_REQUIRED',
        'upload',
        `upload: this registry requires a signature; sign ${input.name}@${input.version} with a trusted key and pass signature and signer`,
      );
    return undefined;
  }
  if (typeof input.signer !== 'string' || !c.trustedKeys.has(input.signer))
    return registryError(
      'UNKNOWN_SIGNER',
      'upload',
      `upload: signer ${JSON.stringify(input.signer)} is not a trusted key (trusted: ${[...c.trustedKeys.keys()].join(', ') || 'none'})`,
    );
  return undefined;
}

/** The host's verdict on the bytes, in the registry's codes. */
function probeError(cause: WasmHostError, name: string, version: string): RegistryError {
  const code =
    cause.code === 'MALFORMED' || cause.code === 'NOT_APP_WORLD' || cause.code === 'BAD_SIGNATURE'
      ? cause.code
      : 'UNAVAILABLE';
  return registryError(code, 'upload', `upload: ${name}@${version} was refused: ${cause.message}`, cause);
}

function versionExists(name: string, version: string): RegistryError {
  return registryError(
    'VERSION_EXISTS',
    'upload',
    `upload: ${name}@${version} already exists; versions are immutable, upload a new version`,
  );
}

function isUniqueViolation(e: RegistryError): boolean {
  const cause = e.cause as { constraint?: string } | undefined;
  return cause?.constraint === 'unique' || cause?.constraint === 'primary-key';
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
