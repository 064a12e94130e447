import type { Binding } from '../imports/binding.js';
import type { BootingWorker } from './booting-worker.js';
import type { CompiledModule } from '../sandbox/glue.js';
import type { CallFailure, InvocationReport } from '../sandbox/invocation.js';
import type { WorldPlan } from '../world/check-world.js';
import type { PoolSize, ResolvedLimits, WasmMode } from '../wasm-host-options.js';

/** Everything a runtime needs to run one component. */
export interface RuntimeSpec {
  readonly componentId: string;
  readonly glue: string;
  /**
   * Core modules, compiled with their memory and tables capped and their growth metered; still
   * compiling when the runtime is made (`start` waits for them, and rejects with their error).
   */
  readonly modules: Promise<Readonly<Record<string, CompiledModule>>>;
  readonly plan: WorldPlan;
  /** Host functions by interface short name (`kv`, `sql`, `log`, …). */
  readonly bindings: Readonly<Record<string, Binding>>;
  readonly env: readonly (readonly [string, string])[];
  /** The HTTP allow-list, when the component imports wasi:http. */
  readonly http: readonly string[] | undefined;
  readonly limits: ResolvedLimits;
  /** A warm pool: every call on a fresh instance, `min` of them ready. Absent: one instance, reused. */
  readonly pool?: PoolSize | undefined;
  /** Isolated mode: a worker the load started at once, for the first worker the runtime starts. */
  readonly booting?: BootingWorker | undefined;
  /** Refusals by the bindings during the current call (they run on the host thread in both modes). */
  readonly denied: { count: number };
  /** Runs after every call: rolls back what the guest left open. */
  endOfCall(): unknown;
}

/** How one call went. */
export interface CallResult {
  readonly value?: unknown;
  readonly failure?: CallFailure;
  /** Undefined when the instance was lost mid-call (a terminated worker). */
  readonly report: InvocationReport | undefined;
  readonly memoryPages: number | undefined;
  /** Fuel the call used, with `limits.maxFuel`; undefined without, or when the instance was lost. */
  readonly fuelUsed?: number | undefined;
}

/** A failure before the component could serve (instantiation, worker start-up). */
export class StartFailure extends Error {
  override readonly name = 'StartFailure';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where one component runs: on the calling thread, or in its own worker. */
export interface Runtime {
  readonly mode: WasmMode;
  /** Instantiates the component; rejects with `StartFailure`. */
  start(): Promise<void>;
  /** The names `call` accepts, known after `start`. */
  exportNames(): readonly string[];
  /** `fuel`: this call's budget, when less than `limits.maxFuel` (the modules have fuel points only with it). */
  call(name: string, args: readonly unknown[], fuel?: number): Promise<CallResult>;
  /** In-thread only; `now` is performance.now() at the start, when the caller has it. */
  callSync?(name: string, args: readonly unknown[], now?: number, fuel?: number): CallResult;
  close(): Promise<void>;
}

/**
 * The export a caller means: a WIT name (`checked-div`), jco's (`checkedDiv`), or for an
 * interface `name#function` with the interface's full (`keel:infrastructure/kv@0.1.0`),
 * unversioned or short (`kv`) name. `undefined` when there is none.
 */
export function resolveExport(name: string, available: readonly string[]): string | undefined {
  if (available.includes(name)) return name;
  const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const hash = name.indexOf('#');
  if (hash < 0) {
    const fn = camel(name);
    return available.includes(fn) ? fn : undefined;
  }
  const iface = name.slice(0, hash);
  const fn = camel(name.slice(hash + 1));
  return available.find((candidate) => {
    const at = candidate.indexOf('#');
    if (candidate.slice(at + 1) !== fn) return false;
    const full = candidate.slice(0, at);
    const unversioned = full.split('@')[0] as string;
    return full === iface || unversioned === iface || unversioned.slice(unversioned.lastIndexOf('/') + 1) === iface;
  });
}
