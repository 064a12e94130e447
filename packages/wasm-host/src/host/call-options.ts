import type { ExecutionRecord } from '../log/execution-log.js';

/** The workflow step a call is made for: its execution record names it, so a run's calls can be found. */
export interface CallWorkflow {
  /** The run's id. */
  readonly run: string;
  /** The step's id in the workflow definition. */
  readonly step: string;
}

/**
 * Options of one call (`component.callWith(options, name, ...args)`).
 *
 * @example
 * await component.callWith({ workflow: { run: runId, step: 'enrich' }, maxFuel: 50_000 }, 'enrich', 3);
 */
export interface CallOptions {
  /** The workflow step the call belongs to, written into its execution record. */
  readonly workflow?: CallWorkflow | undefined;
  /**
   * This call's fuel budget, when lower than the component's `limits.maxFuel` (never higher: the
   * load's limit caps it). Only a component loaded with `maxFuel` has fuel points to count: on
   * another the call is `Err(INVALID_ARGUMENT)`, and runs nothing.
   */
  readonly maxFuel?: number | undefined;
  /** Gets the call's execution record as soon as it is made (its fuel and host calls), before the sink does. */
  readonly onRecord?: ((record: ExecutionRecord) => void) | undefined;
}

const maxText = 200;

/** Checks call options once per call: a wrong shape is a programming mistake and throws a `TypeError`. */
export function checkCallOptions(options: CallOptions): void {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(
      `component.callWith: options must be an object, got ${options === null ? 'null' : typeof options}`,
    );
  const { workflow, maxFuel, onRecord } = options;
  if (onRecord !== undefined && typeof onRecord !== 'function')
    throw new TypeError(`component.callWith: onRecord must be a function, got ${typeof onRecord}`);
  if (maxFuel !== undefined && (!Number.isSafeInteger(maxFuel) || maxFuel < 1))
    throw new TypeError(`component.callWith: maxFuel must be a positive safe integer, got ${String(maxFuel)}`);
  if (workflow === undefined) return;
  for (const field of ['run', 'step'] as const) {
    const value = (workflow as Partial<CallWorkflow> | null)?.[field];
    if (typeof value !== 'string' || value === '' || value.length > maxText)
      throw new TypeError(`component.callWith: workflow.${field} must be a string of 1 to ${maxText} characters`);
  }
}
