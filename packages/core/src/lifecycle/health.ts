/** One adapter instance's answer to `health()`. */
export interface HealthReport {
  /** `kv`, `sql`, … */
  readonly interface: string;
  /** The instance name from config (`default`, `main`, `analytics`, …). */
  readonly name: string;
  readonly adapter: string;
  readonly ok: boolean;
  /** How long the check took. */
  readonly latencyMs: number;
  /** Why it is not ok, when it is not. */
  readonly error?: string;
  /** Adapter-specific figures (key counts, file paths, …). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** What a driver's optional `health()` returns: extra figures, or a throw when unhealthy. */
export type HealthDetail = Readonly<Record<string, unknown>> | void;

/** Lifecycle members every adapter instance has, beside its contract operations. */
export interface AdapterLifecycle<E> {
  /** The adapter id, such as `memory` or `sqlite`. */
  readonly adapter: string;
  /** Opens the adapter; calls open it lazily too. Shared by concurrent callers, retried after a failure. */
  open(): Promise<import('neverthrow').Result<void, E>>;
  /** Closes the adapter after calls in flight finish. Idempotent; every later call is `NOT_OPEN`. */
  close(): Promise<void>;
  /** Checks the adapter with a cheap real operation. */
  health(): Promise<Omit<HealthReport, 'interface' | 'name'>>;
  [Symbol.asyncDispose](): Promise<void>;
}
