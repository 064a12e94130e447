import type { MessagePort, Worker } from 'node:worker_threads';
import { isThenable, type WitError } from '../imports/binding.js';
import type { CallFailure, InvocationReport } from '../sandbox/invocation.js';
import { HostAbort } from '../sandbox/wasi.js';
import { BootingWorker } from './booting-worker.js';
import { preview2ShimUrls, type Preview2ShimUrls } from './guest-worker-source.js';
import { StartFailure, type CallResult, type Runtime, type RuntimeSpec } from './runtime.js';

interface BridgeRequest {
  readonly short: string;
  readonly fn: string;
  readonly args: unknown[];
  readonly notify?: boolean;
}

interface WorkerResult {
  readonly type: 'result';
  readonly id: number;
  readonly ok?: unknown;
  readonly error?: CallFailure;
  readonly report: InvocationReport;
  readonly memoryPages: number;
  readonly fuelUsed: number | undefined;
}

type WorkerMessage =
  | { type: 'ready'; exports: string[] }
  | { type: 'failed'; code: string; message: string }
  | WorkerResult;

/** One live worker: the thread, its end of the bridge, and the call it is running. */
interface Live {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly flag: Int32Array;
  pending: { id: number; resolve: (result: CallResult) => void } | undefined;
}

/**
 * Isolated mode: the component runs in its own worker thread, one call at a time. Its
 * synchronous imports reach the bindings here through a bridge (see `guest-worker.js`), so
 * asynchronous adapters serve them. A call past its timeout terminates the worker; a trap
 * replaces the instance inside it; the next call after a terminated worker starts a new one.
 */
export class IsolatedRuntime implements Runtime {
  readonly mode = 'isolated' as const;
  private live: Live | undefined;
  private starting: Promise<Live> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private names: string[] = [];
  private nextId = 1;
  private closed = false;
  /** Keel host calls seen here during the current call, for the record when the worker is lost. */
  private counts: Record<string, number> = {};
  /**
   * Refusals by this runtime's host calls during the current call. Bindings refuse before their
   * first await, so the change in the shared counter across the synchronous part of a binding is
   * this call's, even while a pool's other workers run calls of the same component.
   */
  private denied = 0;

  constructor(private readonly spec: RuntimeSpec) {}

  async start(): Promise<void> {
    await this.ensure();
  }

  exportNames(): readonly string[] {
    return this.names;
  }

  call(name: string, args: readonly unknown[], fuel?: number): Promise<CallResult> {
    const run = this.queue.then(() => this.run(name, args, fuel));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    const live = this.live ?? (await this.starting?.catch(() => undefined));
    this.live = undefined;
    if (live)
      await this.stop(live, {
        code: 'CLOSED',
        message: 'the component was closed during the call',
        keepInstance: false,
      });
  }

  private async run(name: string, args: readonly unknown[], fuel: number | undefined): Promise<CallResult> {
    if (this.closed) return lost({ code: 'CLOSED', message: 'the component is closed', keepInstance: true });
    let live: Live;
    try {
      live = await this.ensure();
    } catch (error) {
      return lost({
        code: 'UNAVAILABLE',
        message: `the component's worker failed to start: ${(error as Error).message}`,
        keepInstance: false,
      });
    }
    this.counts = {};
    this.denied = 0;
    const id = this.nextId++;
    live.worker.ref();
    const result = await new Promise<CallResult>((resolve) => {
      live.pending = { id, resolve };
      const timer = setTimeout(() => {
        const message = `the call ran past its ${this.spec.limits.timeoutMs} ms timeout; its worker was terminated`;
        void this.stop(live, { code: 'TIMEOUT', message, keepInstance: false });
      }, this.spec.limits.timeoutMs);
      const done = live.pending.resolve;
      live.pending.resolve = (r) => {
        clearTimeout(timer);
        done(r);
      };
      live.worker.postMessage(
        fuel === undefined ? { type: 'call', id, name, args } : { type: 'call', id, name, args, fuel },
      );
    });
    if (this.live === live) live.worker.unref();
    await Promise.resolve(this.spec.endOfCall()).catch(() => undefined);
    if (result.report) result.report.deniedCalls += this.denied;
    return result;
  }

  /** Ends a worker, failing its call in progress with `failure`. */
  private async stop(live: Live, failure: CallFailure): Promise<void> {
    if (this.live === live) this.live = undefined;
    const pending = live.pending;
    live.pending = undefined;
    live.port.close();
    await live.worker.terminate();
    const hostCalls = { ...this.counts };
    pending?.resolve({
      failure,
      report: { hostCalls, deniedCalls: this.denied, stdout: '', stderr: '', outputTruncated: false },
      memoryPages: undefined,
    });
  }

  private ensure(): Promise<Live> {
    if (this.live) return Promise.resolve(this.live);
    this.starting ??= this.spawn().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private spawn(): Promise<Live> {
    const { spec } = this;
    let shim: Preview2ShimUrls | undefined;
    try {
      shim = spec.http ? preview2ShimUrls() : undefined;
    } catch (error) {
      return Promise.reject(
        new StartFailure(
          'UNAVAILABLE',
          `wasi:http needs @bytecodealliance/preview2-shim, which cannot be found: ${(error as Error).message}`,
        ),
      );
    }
    const booted = spec.booting?.take() ?? new BootingWorker(spec.limits, spec.pool !== undefined);
    const { worker } = booted;
    worker.postMessage({ type: 'setup', glue: spec.glue, plan: spec.plan.keel, env: spec.env, http: spec.http, shim });
    const live: Live = { worker, port: booted.port, flag: new Int32Array(booted.flag), pending: undefined };
    booted.port.on('message', (request: BridgeRequest) => void this.serve(live, request));
    booted.port.unref();
    return new Promise<Live>((resolve, reject) => {
      let ready = false;
      if (booted.failure) {
        void worker.terminate();
        reject(new StartFailure('INSTANTIATE_FAILED', `the worker failed to start: ${booted.failure.message}`));
        return;
      }
      // The worker starts (and evaluates the glue) while the modules compile; they follow by message.
      spec.modules.then(
        (modules) => worker.postMessage({ type: 'modules', modules }),
        (error: unknown) => {
          if (!ready) reject(error);
          ready = true;
          void worker.terminate();
        },
      );
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          ready = true;
          this.names = message.exports;
          this.live = live;
          worker.unref();
          resolve(live);
        } else if (message.type === 'failed') {
          ready = true;
          void worker.terminate();
          reject(
            new StartFailure(
              message.code === 'TRAP' ? 'INSTANTIATE_FAILED' : message.code,
              `the component failed to start: ${message.message}`,
            ),
          );
        } else if (message.type === 'result' && live.pending?.id === message.id) {
          const { resolve: done } = live.pending;
          live.pending = undefined;
          done({
            ...(message.error ? { failure: message.error } : { value: message.ok }),
            report: message.report,
            memoryPages: message.memoryPages,
            fuelUsed: message.fuelUsed,
          });
        }
      });
      worker.on('error', (error: Error & { code?: string }) => {
        const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
        const failure: CallFailure = outOfMemory
          ? {
              code: 'MEMORY_LIMIT',
              message: `the worker ran out of JavaScript heap (${spec.limits.maxHeapMb} MiB)`,
              keepInstance: false,
            }
          : { code: 'INTERNAL', message: `the worker failed: ${error.message}`, keepInstance: false };
        if (!ready) {
          ready = true;
          reject(
            new StartFailure(failure.code === 'MEMORY_LIMIT' ? 'MEMORY_LIMIT' : 'INSTANTIATE_FAILED', failure.message),
          );
        }
        void this.stop(live, failure);
      });
      worker.on('exit', () => {
        if (!ready) {
          ready = true;
          reject(new StartFailure('INSTANTIATE_FAILED', 'the worker exited before the component started'));
        }
        if (live.pending)
          void this.stop(live, { code: 'INTERNAL', message: 'the worker exited during the call', keepInstance: false });
        else if (this.live === live) this.live = undefined;
      });
    });
  }

  /** Answers one bridged import: runs the binding, posts the reply, then wakes the worker. */
  private async serve(live: Live, request: BridgeRequest): Promise<void> {
    this.counts[request.short] = (this.counts[request.short] ?? 0) + 1;
    const f = this.spec.bindings[request.short]?.[request.fn] as ((...args: unknown[]) => unknown) | undefined;
    const denied = this.spec.denied;
    const before = denied.count;
    if (request.notify) {
      try {
        const value = f?.(...request.args);
        this.denied += denied.count - before;
        if (isThenable(value)) Promise.resolve(value).catch(() => undefined);
      } catch {
        // A notification has no one to report to; bindings log what matters.
      }
      return;
    }
    let reply: { ok: unknown } | { err: WitError } | { abort: { code: string; message: string } };
    try {
      if (!f) throw new HostAbort('INTERNAL', `the host has no ${request.short}.${request.fn}`);
      let value: unknown;
      try {
        value = f(...request.args);
      } finally {
        this.denied += denied.count - before;
      }
      if (isThenable(value)) value = await value;
      reply = { ok: value };
    } catch (thrown) {
      if (thrown instanceof HostAbort) reply = { abort: { code: thrown.code, message: thrown.message } };
      else if (thrown instanceof Error)
        reply = {
          abort: { code: 'INTERNAL', message: `${request.short}.${request.fn} failed in the host: ${thrown.message}` },
        };
      else reply = { err: thrown as WitError };
    }
    try {
      live.port.postMessage(reply);
    } catch (error) {
      live.port.postMessage({
        abort: {
          code: 'INTERNAL',
          message: `the host's answer cannot be sent to the worker: ${(error as Error).message}`,
        },
      });
    }
    Atomics.store(live.flag, 0, 1);
    Atomics.notify(live.flag, 0);
  }
}

function lost(failure: CallFailure): CallResult {
  return { failure, report: undefined, memoryPages: undefined };
}
