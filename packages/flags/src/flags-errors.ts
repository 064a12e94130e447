import { KeelError, type KeelErrorInit } from '@keel/core';

/**
 * What a flags operation can fail with. Codes are stable; messages are not.
 *
 * | code | meaning |
 * | --- | --- |
 * | `FLAG_NOT_FOUND` | no flag of that key, in config or in kv |
 * | `TYPE_MISMATCH` | the flag is of another type than the caller asked for |
 * | `INVALID_FLAG` | a definition given to `set` is malformed (the message names the field) |
 * | `STORE` | the kv failed; its `KvError` is `cause` |
 */
export type FlagsErrorCode = 'FLAG_NOT_FOUND' | 'TYPE_MISMATCH' | 'INVALID_FLAG' | 'STORE';

/**
 * The one error class of `@keel/flags`. Evaluation never throws: the OpenFeature provider turns
 * these codes into OpenFeature's error codes and the caller's default value.
 */
export class FlagsError extends KeelError<FlagsErrorCode> {
  override readonly name = 'FlagsError';
  constructor(init: Omit<KeelErrorInit<FlagsErrorCode>, 'adapter'>) {
    super({ ...init, adapter: 'flags' });
  }
}

export function flagsError(code: FlagsErrorCode, op: string, message: string, cause?: unknown): FlagsError {
  return new FlagsError({ code, op, message, ...(cause === undefined ? {} : { cause }) });
}
