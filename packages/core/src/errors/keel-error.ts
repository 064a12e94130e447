/** The fields every Keel error carries. */
export interface KeelErrorInit<C extends string> {
  /** Stable, UPPER_SNAKE: match on this, never on the message. */
  readonly code: C;
  readonly message: string;
  /** The adapter id that failed (`memory`, `sqlite`, …); filled in by core when an adapter omits it. */
  readonly adapter?: string;
  /** The contract operation (`get`, `query`, …); filled in by core when an adapter omits it. */
  readonly op?: string;
  readonly cause?: unknown;
}

/**
 * Base of every error that Keel returns inside an `Err`. Each interface has one subclass
 * (`KvError`, `SqlError`, …) whose `code` is a union mirroring that interface's WIT `error` variant.
 *
 * @example
 * const r = await keel.kv.get('user:1');
 * if (r.isErr() && r.error.code === 'NOT_OPEN') reconnect();
 */
export class KeelError<C extends string = string> extends Error {
  readonly code: C;
  readonly adapter: string;
  readonly op: string;

  constructor(init: KeelErrorInit<C>) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.adapter = init.adapter ?? 'unknown';
    this.op = init.op ?? 'unknown';
  }
}

/** Config or options that cannot work: thrown at start-up, never returned. */
export class KeelConfigError extends TypeError {
  override readonly name = 'KeelConfigError';
  /** Every problem found, each as `path: message`. */
  readonly issues: readonly string[];

  constructor(issues: readonly string[], heading = 'Invalid Keel config') {
    super(`${heading}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.issues = issues;
  }
}
