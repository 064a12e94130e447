import { KeelError, type KeelErrorInit } from '../errors/keel-error.js';

/** Mirrors the cases of WIT `messaging.error`, in UPPER_SNAKE. Codes are stable; messages are not. */
export type MessagingErrorCode =
  | 'INVALID_SUBJECT'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'TOO_LARGE'
  | 'TIMEOUT'
  | 'NOT_OPEN'
  | 'UNAVAILABLE'
  | 'ACCESS_DENIED'
  | 'UNSUPPORTED'
  | 'INTERNAL';

export interface MessagingErrorInit extends KeelErrorInit<MessagingErrorCode> {
  /** The subject the call was about, when there was one. */
  readonly subject?: string;
}

/**
 * The error of every messaging operation. Adapters may throw one from a driver method to
 * report an expected failure; core returns it as an `Err` with `adapter` and `op` filled in.
 *
 * @example
 * throw new MessagingError({ code: 'NOT_FOUND', message: "no consumer 'billing' on 'orders'" });
 */
export class MessagingError extends KeelError<MessagingErrorCode> {
  override readonly name = 'MessagingError';
  readonly subject?: string;

  constructor(init: MessagingErrorInit) {
    super(init);
    if (init.subject !== undefined) this.subject = init.subject;
  }
}
