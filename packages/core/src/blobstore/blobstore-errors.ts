import { KeelError, type KeelErrorInit } from '../errors/keel-error.js';

/** Mirrors the cases of WIT `blobstore.error`, in UPPER_SNAKE. Codes are stable; messages are not. */
export type BlobstoreErrorCode =
  | 'INVALID_KEY'
  | 'INVALID_ARGUMENT'
  | 'INVALID_RANGE'
  | 'INVALID_CURSOR'
  | 'NOT_FOUND'
  | 'TOO_LARGE'
  | 'PRECONDITION'
  | 'NOT_OPEN'
  | 'CONNECTION'
  | 'ACCESS_DENIED'
  | 'UNSUPPORTED'
  | 'INTERNAL';

export interface BlobstoreErrorInit extends KeelErrorInit<BlobstoreErrorCode> {
  /** The container the call was about. */
  readonly container?: string;
  /** The key the call was about, when there was one. */
  readonly key?: string;
}

/**
 * The error of every blobstore operation. Adapters throw one from a driver method to report an
 * expected failure (`NOT_FOUND`, `PRECONDITION`, …); core returns it as an `Err` with `adapter`
 * and `op` filled in.
 *
 * @example
 * throw new BlobstoreError({ code: 'NOT_FOUND', message: `no container '${name}'`, container: name });
 */
export class BlobstoreError extends KeelError<BlobstoreErrorCode> {
  override readonly name = 'BlobstoreError';
  readonly container?: string;
  readonly key?: string;

  constructor(init: BlobstoreErrorInit) {
    super(init);
    if (init.container !== undefined) this.container = init.container;
    if (init.key !== undefined) this.key = init.key;
  }
}
