/** One observed call, as `keel.observability.slowest(n)` lists it. */
export interface SlowCall {
  /** `kv`, `sql`, `email`, `auth`, `wasm`. */
  readonly interface: string;
  /** `get`, `query`, `transaction`, a component's export, … */
  readonly operation: string;
  readonly adapter: string;
  /** The instance name from config, or a component's id. */
  readonly instance: string;
  readonly durationMs: number;
  /** When it started, in ms since the epoch. */
  readonly startedAt: number;
  readonly outcome: 'ok' | 'error';
  readonly errorCode?: string;
  /** The call's span, when it was traced. */
  readonly traceId?: string;
  readonly spanId?: string;
  /** The SQL text, when `sqlStatementText` is on. */
  readonly statement?: string;
}

/**
 * The `keep` slowest calls seen, slowest first. A call no slower than the fastest kept (once
 * full) costs one comparison; a slower one an insertion into a short sorted list.
 */
export class SlowestCalls {
  private readonly calls: SlowCall[] = [];
  /** The duration a call must beat to be kept (0 until full). */
  floor = 0;

  constructor(private readonly keep: number) {}

  offer(call: SlowCall): void {
    const { calls } = this;
    let at = calls.length;
    while (at > 0 && (calls[at - 1] as SlowCall).durationMs < call.durationMs) at--;
    calls.splice(at, 0, call);
    if (calls.length > this.keep) calls.pop();
    if (calls.length === this.keep) this.floor = (calls[calls.length - 1] as SlowCall).durationMs;
  }

  /** The `n` slowest, slowest first. */
  list(n: number): SlowCall[] {
    return this.calls.slice(0, n);
  }
}
