import type { Clock } from '@keel/core';

/** One origin's turn-taking: at most `maxConcurrent` tries in flight, started at most `ratePerSecond`. */
export interface GateLimits {
  readonly maxConcurrent: number;
  readonly ratePerSecond: number | undefined;
  readonly burst: number;
  readonly maxWaitMs: number;
}

/** Why no turn came: waited past `maxWaitMs`, or the caller aborted. */
export type GateRefusal = 'waited too long' | 'aborted';

/**
 * Per-origin limits. A try takes a slot (FIFO when all are taken) and then, under a rate,
 * waits for its start time by the generic cell rate algorithm: starts are `1/rate` apart after
 * a burst of `burst`. `release` frees the slot for the next in line.
 *
 * @example
 * const turn = await gate.enter(signal);
 * if (typeof turn === 'string') return err(limited(turn));
 * try { await send(); } finally { turn(); }
 */
export class HostGate {
  private active = 0;
  private readonly queue: Array<(entered: boolean) => void> = [];
  /** The theoretical arrival time of the next start, in clock ms. */
  private tat = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: GateLimits,
    private readonly clock: Clock,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /** Tries in flight now. */
  get inFlight(): number {
    return this.active;
  }

  async enter(signal: AbortSignal | undefined): Promise<(() => void) | GateRefusal> {
    const waited = await this.slot(signal);
    if (waited !== undefined) return waited;
    const release = () => this.release();
    const delay = this.startDelay();
    if (delay > this.limits.maxWaitMs) {
      release();
      return 'waited too long';
    }
    if (delay > 0) await this.sleep(delay);
    if (signal?.aborted) {
      release();
      return 'aborted';
    }
    return once(release);
  }

  private slot(signal: AbortSignal | undefined): Promise<GateRefusal | undefined> {
    if (signal?.aborted) return Promise.resolve('aborted');
    if (this.active < this.limits.maxConcurrent) {
      this.active++;
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const settle = (outcome: GateRefusal | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const at = this.queue.indexOf(wake);
        if (at >= 0) this.queue.splice(at, 1);
        resolve(outcome);
      };
      // `release` hands its slot straight to the first in line, so `active` stays counted.
      const wake = () => settle(undefined);
      const onAbort = () => settle('aborted');
      const timer = setTimeout(() => settle('waited too long'), this.limits.maxWaitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(wake);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next(true);
    else this.active--;
  }

  /** How long this start must wait under the rate (0 without one), reserving its start time. */
  private startDelay(): number {
    const rate = this.limits.ratePerSecond;
    if (rate === undefined) return 0;
    const interval = 1000 / rate;
    const now = this.clock.now();
    const tat = Math.max(this.tat, now);
    const delay = Math.max(0, tat - (this.limits.burst - 1) * interval - now);
    if (delay <= this.limits.maxWaitMs) this.tat = tat + interval;
    return Math.ceil(delay);
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
