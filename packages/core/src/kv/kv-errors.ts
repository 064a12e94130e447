import { KeelError, type KeelErrorInit } from '../errors/keel-error.js';

/** Mirrors the cases of WIT `kv.error`, in UPPER_SNAKE. Codes are stable; messages are not. */
export type KvErrorCode =
  | 'INVALID_ARGUMENT'
  | 'TOO_LARGE'
  | 'TYPE_MISMATCH'
  | 'INVALID_CURSOR'
  | 'NOT_OPEN'
  | 'UNAVAILABLE'
  | 'ACCESS_DENIED'
  | 'UNSUPPORTED'
  | 'INTERNAL';

export interface KvErrorInit extends KeelErrorInit<KvErrorCode> {
  /** The key the call was about, when there was one. */
  readonly key?: string;
}

/**
 * The error of every kv operation. Adapters may throw one from a driver method to report an
 * expected failure; core returns it as an `Err` with `adapter` and `op` filled in.
 *
 * @example
 * throw new KvError({ code: 'TYPE_MISMATCH', message: 'value is text, not s64' });
 */
export class KvError extends KeelError<KvErrorCode> {
  override readonly name = 'KvError';
  readonly key?: string;

  constructor(init: KvErrorInit) {
    super(init);
    if (init.key !== undefined) this.key = init.key;
  }
}
