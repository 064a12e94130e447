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
 * await component.callWith({ workflow: { run: runId, step: 'enrich' } }, 'enrich', 3);
 */
export interface CallOptions {
  /** The workflow step the call belongs to, written into its execution record. */
  readonly workflow?: CallWorkflow | undefined;
}

const maxText = 200;

/** Checks call options once per call: a wrong shape is a programming mistake and throws a `TypeError`. */
export function checkCallOptions(options: CallOptions): void {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(
      `component.callWith: options must be an object, got ${options === null ? 'null' : typeof options}`,
    );
  const { workflow } = options;
  if (workflow === undefined) return;
  for (const field of ['run', 'step'] as const) {
    const value = (workflow as Partial<CallWorkflow> | null)?.[field];
    if (typeof value !== 'string' || value === '' || value.length > maxText)
      throw new TypeError(`component.callWith: workflow.${field} must be a string of 1 to ${maxText} characters`);
  }
}
