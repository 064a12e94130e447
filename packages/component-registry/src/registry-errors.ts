import { KeelError, type KeelErrorInit, type SqlError } from '@keel/core';

/**
 * What a registry operation can fail with. Codes are stable; messages are not.
 *
 * | code | meaning |
 * | --- | --- |
 * | `INVALID_ARGUMENT` | a name, version, grant, limit, share or page option is malformed (the message names it) |
 * | `TOO_LARGE` | the upload is larger than the registry's `maxBytes` |
 * | `MALFORMED` | the bytes are not a WebAssembly component |
 * | `NOT_APP_WORLD` | the component imports something the app world does not have |
 * | `SIGNATURE_REQUIRED` | the policy requires a signature and the upload has none |
 * | `UNKNOWN_SIGNER` | the signer is not one of the registry's trusted keys |
 * | `BAD_SIGNATURE` | the signature does not verify over the bytes with the signer's key |
 * | `VERSION_EXISTS` | that name already has that version (versions are immutable) |
 * | `NOT_FOUND` | no such component or version |
 * | `IN_USE` | the version is active or a canary, so it cannot be deleted |
 * | `UNAVAILABLE` | the version could not be loaded to serve (its grants cannot be honoured here, …); the running version keeps serving |
 * | `DATABASE` | the database failed; the `SqlError` is `cause` |
 * | `CLOSED` | the registry was closed |
 */
export type RegistryErrorCode =
  | 'INVALID_ARGUMENT'
  | 'TOO_LARGE'
  | 'MALFORMED'
  | 'NOT_APP_WORLD'
  | 'SIGNATURE_REQUIRED'
  | 'UNKNOWN_SIGNER'
  | 'BAD_SIGNATURE'
  | 'VERSION_EXISTS'
  | 'NOT_FOUND'
  | 'IN_USE'
  | 'UNAVAILABLE'
  | 'DATABASE'
  | 'CLOSED';

export interface RegistryErrorInit extends Omit<KeelErrorInit<RegistryErrorCode>, 'adapter'> {}

/**
 * The one error class of `@keel/component-registry`.
 *
 * @example
 * const uploaded = await registry.upload({ name: 'billing', version: '1.0.0', bytes });
 * if (uploaded.isErr() && uploaded.error.code === 'VERSION_EXISTS') console.warn(uploaded.error.message);
 */
export class RegistryError extends KeelError<RegistryErrorCode> {
  override readonly name = 'RegistryError';

  constructor(init: RegistryErrorInit) {
    super({ ...init, adapter: 'component-registry' });
  }
}

/** A `RegistryError` of `code` for operation `op`. */
export function registryError(code: RegistryErrorCode, op: string, message: string, cause?: unknown): RegistryError {
  return new RegistryError({ code, op, message, ...(cause === undefined ? {} : { cause }) });
}

/** The database's failure as a registry error. */
export function fromSql(op: string) {
  return (cause: SqlError): RegistryError => registryError('DATABASE', op, `${op}: ${cause.message}`, cause);
}

/** A transaction's failure: the registry's own error as it is, the database's as `DATABASE`. */
export function inRegistryTerms(op: string) {
  return (e: RegistryError | SqlError): RegistryError => (e instanceof RegistryError ? e : fromSql(op)(e));
}
