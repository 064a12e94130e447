import type { PoolSize } from '../wasm-host-options.js';
import { IsolatedRuntime } from './isolated-runtime.js';
import type { CallResult, Runtime, RuntimeSpec } from './runtime.js';

/**
 * Isolated mode with a warm pool: up to `max` workers, each an `IsolatedRuntime` whose worker
 * makes a fresh instance after every call. `min` workers start with the load; a call takes an
 * idle one, starts another while there are fewer than `max`, or waits for one to come back.
 * Calls of one component then run in parallel, one per worker.
 *
 * `serial` keeps one call at a time (at most one worker): the sql transaction table and the
 * repository call context are shared by the component's calls, so those components get fresh
 * instances but not parallel calls.
 */
export class WorkerPool implements Runtime {
  readonly mode = 'isolated' as const;
  private readonly idle: IsolatedRuntime[] = [];
  private readonly all = new Set<IsolatedRuntime>();
  private readonly waiting: ((worker: IsolatedRuntime) => void)[] = [];
  private readonly max: number;
  private readonly min: number;
  private names: readonly string[] = [];
  private closed = false;

  constructor(
    private readonly spec: RuntimeSpec,
    size: PoolSize,
    serial: boolean,
  ) {
    this.max = serial ? 1 : size.max;
    this.min = Math.min(size.min, this.max);
  }

  async start(): Promise<void> {
    // One first, so a component that cannot start fails the load once, then the rest together.
    const first = await this.add();
    this.names = first.exportNames();
    this.idle.push(first);
    const more = await Promise.allSettled(Array.from({ length: this.min - 1 }, () => this.add()));
    for (const got of more) if (got.status === 'fulfilled') this.idle.push(got.value);
  }

  exportNames(): readonly string[] {
    return this.names;
  }

  async call(name: string, args: readonly unknown[], fuel?: number): Promise<CallResult> {
    let worker: IsolatedRuntime;
    try {
      worker = await this.take();
    } catch (error) {
      const message = `a pooled worker failed to start: ${(error as Error).message}`;
      return {
        failure: { code: 'UNAVAILABLE', message, keepInstance: false },
        report: undefined,
        memoryPages: undefined,
      };
    }
    try {
      return await worker.call(name, args, fuel);
    } finally {
      this.give(worker);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.idle.length = 0;
    await Promise.all([...this.all].map((worker) => worker.close()));
  }

  private take(): Promise<IsolatedRuntime> {
    // The longest idle first: the one just given back may still be making its fresh instance.
    const ready = this.idle.shift();
    if (ready) return Promise.resolve(ready);
    if (this.all.size < this.max) return this.add();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private give(worker: IsolatedRuntime): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else if (!this.closed) this.idle.push(worker);
  }

  /** Starts one more worker; it counts against `max` from now on, or again not if it fails. */
  private async add(): Promise<IsolatedRuntime> {
    const worker = new IsolatedRuntime(this.spec);
    this.all.add(worker);
    try {
      await worker.start();
    } catch (error) {
      this.all.delete(worker);
      throw error;
    }
    if (this.closed) {
      await worker.close();
      throw new Error('the component was closed');
    }
    return worker;
  }
}
