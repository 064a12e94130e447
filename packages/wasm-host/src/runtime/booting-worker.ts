import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { ResolvedLimits } from '../wasm-host-options.js';
import { guestWorkerUrl } from './guest-worker-source.js';

/**
 * A guest worker started before its component is known: starting a Node worker takes 40–50 ms,
 * which now passes while the load hashes the bytes, reads the cache and compiles. It learns its
 * component later by message (`setup`, then `modules`); what it is made with is only what a
 * load knows at once: its limits, whether it recycles instances, and the bridge.
 */
export class BootingWorker {
  /** Guest workers of this process not yet exited (the tests look for leftovers). */
  static readonly running = new Set<BootingWorker>();
  readonly worker: Worker;
  /** The host's end of the bridge (the worker has the other). */
  readonly port: MessagePort;
  readonly flag: SharedArrayBuffer;
  /** Why it failed or ended before a runtime took it, if it did. */
  failure: Error | undefined;
  private taken = false;

  constructor(limits: ResolvedLimits, recycle: boolean) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.flag = new SharedArrayBuffer(8);
    this.worker = new Worker(guestWorkerUrl(), {
      workerData: {
        limits: {
          maxHostCalls: limits.maxHostCalls,
          maxOutputBytes: limits.maxOutputBytes,
          timeoutMs: limits.timeoutMs,
          checkDeadline: false,
        },
        maxMemoryPages: limits.maxMemoryPages,
        maxFuel: limits.maxFuel,
        recycle,
        port: port2,
        flag: this.flag,
      },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      env: {},
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    this.worker.stdout.resume();
    this.worker.stderr.resume();
    // Until a runtime takes it: an 'error' with no listener would be thrown in the host.
    this.worker.on('error', (error) => {
      this.failure ??= error;
    });
    BootingWorker.running.add(this);
    this.worker.once('exit', () => {
      BootingWorker.running.delete(this);
      this.failure ??= new Error('the worker exited before the component started');
    });
  }

  /** The worker, once: the first runtime to start one takes it; `undefined` after. */
  take(): BootingWorker | undefined {
    if (this.taken) return undefined;
    this.taken = true;
    return this;
  }

  /** Ends it, unless a runtime took it (a load that failed before its runtime started). */
  discard(): void {
    if (this.taken) return;
    this.taken = true;
    this.port.close();
    void this.worker.terminate();
  }
}
