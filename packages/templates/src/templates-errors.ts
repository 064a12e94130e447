import { KeelError, type KeelErrorInit } from '@keel/core';

/**
 * What a templates operation can fail with. Codes are stable; messages are not.
 *
 * | code | meaning |
 * | --- | --- |
 * | `MISSING_VARIABLE` | a placeholder has no value in the variables given (`variable` names it) |
 * | `INVALID_MJML` | the MJML does not pass mjml's strict validation (at save; `details` lists mjml's errors) |
 * | `INVALID_TEMPLATE` | a malformed placeholder, name or locale (the message names it) |
 * | `NOT_FOUND` | no version of that template in the locale or its fallbacks |
 * | `STORE` | the sql failed; its `SqlError` is `cause` |
 * | `SEND` | the email contract or the outbox refused the message; its error is `cause` |
 */
export type TemplatesErrorCode =
  | 'MISSING_VARIABLE'
  | 'INVALID_MJML'
  | 'INVALID_TEMPLATE'
  | 'NOT_FOUND'
  | 'STORE'
  | 'SEND';

/** The one error class of `@keel/templates`. */
export class TemplatesError extends KeelError<TemplatesErrorCode> {
  override readonly name = 'TemplatesError';
  /** The placeholder that had no value (`MISSING_VARIABLE`). */
  readonly variable: string | undefined;
  /** mjml's validation messages (`INVALID_MJML`), one per problem, with their line. */
  readonly details: readonly string[];
  constructor(
    init: Omit<KeelErrorInit<TemplatesErrorCode>, 'adapter'> & {
      readonly variable?: string;
      readonly details?: readonly string[];
    },
  ) {
    super({ ...init, adapter: 'templates' });
    this.variable = init.variable;
    this.details = init.details ?? [];
  }
}

export function templatesError(code: TemplatesErrorCode, op: string, message: string, cause?: unknown): TemplatesError {
  return new TemplatesError({ code, op, message, ...(cause === undefined ? {} : { cause }) });
}
