import { KeelError, type KeelErrorInit, type SqlError } from '@keel/core';

/**
 * What a workflows operation can fail with, and why a run failed. Codes are stable; messages are not.
 *
 * | code | meaning |
 * | --- | --- |
 * | `INVALID_DEFINITION` | a definition that cannot run: an unknown step reference, an unreachable step, … (`step` names it) |
 * | `UNKNOWN_WORKFLOW` | no workflow of that name is registered |
 * | `UNKNOWN_COMPONENT` | a step names a component (or an export) the registry does not serve |
 * | `INVALID_ARGUMENT` | an argument of the call is wrong (input that is not JSON, …) |
 * | `NOT_FOUND` | no run with that id |
 * | `ROUTE_UNKNOWN` | (run failure) a step routed to a step that is not among its routes |
 * | `VALIDATION` | (run failure) a validating step returned errors; they are in `errors` |
 * | `UNRESOLVED_INPUT` | (run failure) a `${…}` of a step's config found nothing |
 * | `INVALID_OUTPUT` | (run failure) a step returned something that is not JSON, or not the shape its kind needs |
 * | `STEP_FAILED` | (run failure) a step failed its last attempt; the step's error is `cause` |
 * | `TIMEOUT` | (run failure) a step's last attempt ran past its `timeoutMs` |
 * | `LOOP_LIMIT` | (run failure) a step in a cycle was reached more than its `maxVisits` |
 * | `CANCELLED` | (run failure) `cancel(runId)` was called |
 * | `DATABASE` | the database failed; the `SqlError` (or the jobs error) is `cause` |
 * | `CLOSED` | the workflows instance was closed |
 */
export type WorkflowsErrorCode =
  | 'INVALID_DEFINITION'
  | 'UNKNOWN_WORKFLOW'
  | 'UNKNOWN_COMPONENT'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ROUTE_UNKNOWN'
  | 'VALIDATION'
  | 'UNRESOLVED_INPUT'
  | 'INVALID_OUTPUT'
  | 'STEP_FAILED'
  | 'TIMEOUT'
  | 'LOOP_LIMIT'
  | 'CANCELLED'
  | 'DATABASE'
  | 'CLOSED';

/** One problem a validating step reported. */
export interface ValidationIssue {
  /** Where in the input, as the step named it (`priority`, `items.0.id`). */
  readonly path?: string;
  readonly message: string;
}

export interface WorkflowsErrorInit extends Omit<KeelErrorInit<WorkflowsErrorCode>, 'adapter'> {
  /** The step the error is about: the one a definition problem names, or the one a run failed at. */
  readonly step?: string;
  readonly workflow?: string;
  readonly runId?: string;
  /** A `VALIDATION` failure's issues. */
  readonly errors?: readonly ValidationIssue[];
}

/**
 * The one error class of `@keel/workflows`.
 *
 * @example
 * const registered = await workflows.register('triage', definition);
 * if (registered.isErr() && registered.error.code === 'INVALID_DEFINITION') console.warn(registered.error.step);
 */
export class WorkflowsError extends KeelError<WorkflowsErrorCode> {
  override readonly name = 'WorkflowsError';
  readonly step: string | undefined;
  readonly workflow: string | undefined;
  readonly runId: string | undefined;
  readonly errors: readonly ValidationIssue[] | undefined;

  constructor(init: WorkflowsErrorInit) {
    super({ ...init, adapter: 'workflows' });
    this.step = init.step;
    this.workflow = init.workflow;
    this.runId = init.runId;
    this.errors = init.errors;
  }
}

/** A `WorkflowsError` of `code` for operation `op`. */
export function workflowsError(
  code: WorkflowsErrorCode,
  op: string,
  message: string,
  extra: Omit<WorkflowsErrorInit, 'code' | 'op' | 'message'> = {},
): WorkflowsError {
  return new WorkflowsError({ code, op, message, ...extra });
}

/** The database's failure as a workflows error. */
export function fromDatabase(op: string, what: string) {
  return (cause: SqlError | Error): WorkflowsError =>
    workflowsError('DATABASE', op, `${what} failed: ${cause.message}`, { cause });
}
