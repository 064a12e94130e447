import { isThenable } from '../imports/binding.js';
import { evaluateGlue, instantiateGuest, type CompiledModule } from '../sandbox/glue.js';
import { Invocation, classifyFailure, type CallFailure, type InvocationReport } from '../sandbox/invocation.js';
import { createKeelImports } from '../sandbox/keel-imports.js';
import { FuelTank } from '../sandbox/fuel-tank.js';
import { MemoryBudget } from '../sandbox/memory-budget.js';
import { HostAbort, createWasiImports } from '../sandbox/wasi.js';
import { type HttpPolicy, withHttp } from '../sandbox/wasi-http.js';
import { listExports } from '../sandbox/glue.js';
import { StartFailure, type CallResult, type Runtime, type RuntimeSpec } from './runtime.js';

type Instance = ReturnType<typeof instantiateGuest>;

/**
 * In-thread mode: the component runs on the calling thread, its imports call the bindings
 * directly. The timeout is checked at each host call, so a guest that computes without calling
 * the host is stopped only by its fuel (`limits.maxFuel`); without fuel this mode is for
 * trusted components.
 *
 * With a pool, each call takes a spare instance made ahead of it and drops it afterwards; spares
 * are made again once the thread is idle (`setImmediate`), so a call only pays for an
 * instantiation when it comes before the spares could be refilled.
 */
export class InThreadRuntime implements Runtime {
  readonly mode = 'in-thread' as const;
  private readonly invocation: Invocation;
  private readonly instantiate: ReturnType<typeof evaluateGlue>;
  private imports: Record<string, unknown> | undefined;
  private instance: Instance | undefined;
  /** The budget of the latest instance, kept when instantiating it fails. */
  private budget: MemoryBudget;
  /** The call's fuel, when the modules have fuel points. */
  private readonly fuel: FuelTank | undefined;
  private names: string[] = [];
  private closed = false;
  /** The compiled modules, once `start` has them. */
  private modules: Readonly<Record<string, CompiledModule>> = {};
  /** Pooled mode: fresh instances no call has touched. */
  private readonly spares: Instance[] = [];
  private refilling: ReturnType<typeof setImmediate> | undefined;
  /** Export functions of the current instance by name, found once per instance. */
  private targets = new Map<string, (...args: unknown[]) => unknown>();
  /** Reused by every call: the component reads it before the next call can start. */
  private readonly result: {
    value?: unknown;
    failure?: CallFailure;
    report: InvocationReport | undefined;
    memoryPages: number | undefined;
    fuelUsed: number | undefined;
  } = {
    value: undefined,
    failure: undefined,
    report: undefined,
    memoryPages: undefined,
    fuelUsed: undefined,
  };

  constructor(private readonly spec: RuntimeSpec) {
    this.invocation = new Invocation({
      maxHostCalls: spec.limits.maxHostCalls,
      maxOutputBytes: spec.limits.maxOutputBytes,
      timeoutMs: spec.limits.timeoutMs,
      checkDeadline: true,
    });
    this.instantiate = evaluateGlue(spec.glue);
    this.budget = new MemoryBudget(spec.limits.maxMemoryPages);
    this.fuel = spec.limits.maxFuel === undefined ? undefined : new FuelTank(spec.limits.maxFuel);
  }

  async start(): Promise<void> {
    const { spec, invocation } = this;
    this.modules = await spec.modules;
    const ctx = {
      env: spec.env as [string, string][],
      tick: invocation.note,
      charge: invocation.tick,
      output: invocation.output,
      deadline: invocation.deadline,
      maxBytes: spec.limits.maxOutputBytes,
    };
    let imports: Record<string, unknown> = {
      ...createWasiImports(ctx),
      ...createKeelImports(spec.plan.keel as never, this.bind, invocation.tick),
    };
    if (spec.http) {
      const http = spec.bindings['wasi:http'] as unknown as HttpPolicy;
      imports = await withHttp(imports as never, ctx, {
        allows: (scheme, authority) => http.allows(scheme, authority),
        denied: (scheme, authority) => http.denied(scheme, authority),
      });
    }
    this.imports = imports;
    invocation.begin();
    try {
      this.instance = this.fresh();
    } catch (error) {
      const failure = classifyFailure(error, this.budget.refused(), this.fuel?.exhausted());
      // Memories starting above the cap together, or start-up code refused memory: as isolated mode says.
      throw new StartFailure(
        failure.code === 'MEMORY_LIMIT' || failure.code === 'FUEL_EXHAUSTED' ? failure.code : 'INSTANTIATE_FAILED',
        `the component failed to start: ${failure.message}`,
      );
    }
    this.names = listExports(this.instance.exports);
    if (spec.pool) {
      // The first instance is the first spare; the others are made now, before any call.
      this.spares.push(this.instance);
      this.instance = undefined;
      this.refill();
    }
  }

  /** Makes spares up to the pool's `min` (at least one is made on demand by a call). */
  private refill(): void {
    this.refilling = undefined;
    const pool = this.spec.pool;
    if (!pool || this.closed) return;
    while (this.spares.length < pool.min) {
      this.invocation.begin();
      try {
        this.spares.push(this.fresh());
      } catch {
        // The next call makes its own and reports why it fails.
        return;
      }
    }
  }

  exportNames(): readonly string[] {
    return this.names;
  }

  call(name: string, args: readonly unknown[], fuel?: number): Promise<CallResult> {
    return Promise.resolve(this.callSync(name, args, undefined, fuel));
  }

  callSync(name: string, args: readonly unknown[], now?: number, budget?: number): CallResult {
    const { invocation, spec } = this;
    if (this.closed)
      return {
        failure: { code: 'CLOSED', message: 'the component is closed', keepInstance: true },
        report: undefined,
        memoryPages: undefined,
      };
    spec.denied.count = 0;
    const pooled = spec.pool !== undefined;
    let instance = pooled ? this.spares.pop() : this.instance;
    if (pooled && this.refilling === undefined && !this.closed) this.refilling = setImmediate(() => this.refill());
    if (!instance) {
      invocation.begin();
      try {
        instance = this.fresh();
        if (!pooled) this.instance = instance;
      } catch (error) {
        const { message } = classifyFailure(error, false);
        return {
          failure: {
            code: 'UNAVAILABLE',
            message: `a fresh instance failed to start: ${message}`,
            keepInstance: false,
          },
          report: invocation.report(),
          memoryPages: undefined,
        };
      }
      // The call's own time starts now; instantiating is not the guest's doing.
      now = undefined;
    }
    invocation.begin(now);
    instance.budget.resetDenied();
    const fuel = this.fuel;
    fuel?.refill(budget);
    let value: unknown;
    let failure: CallFailure | undefined;
    try {
      let target = pooled ? undefined : this.targets.get(name);
      if (target === undefined) {
        target = exportFunction(instance.exports, name);
        if (!pooled) this.targets.set(name, target);
      }
      value = target(...args);
    } catch (thrown) {
      failure = classifyFailure(thrown, instance.budget.refused(), fuel?.exhausted());
      if (!failure.keepInstance && !pooled) this.instance = undefined;
    }
    const cleanup = spec.endOfCall();
    if (isThenable(cleanup)) Promise.resolve(cleanup).catch(() => undefined);
    const report = invocation.report(true);
    report.deniedCalls += spec.denied.count;
    const result = this.result;
    result.value = value;
    result.failure = failure;
    result.report = report;
    result.memoryPages = instance.budget.used();
    result.fuelUsed = fuel?.used();
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.instance = undefined;
    this.spares.length = 0;
    if (this.refilling) clearImmediate(this.refilling);
  }

  private fresh(): Instance {
    if (!this.spec.pool) this.targets = new Map();
    this.budget = new MemoryBudget(this.spec.limits.maxMemoryPages);
    // Start-up code runs on fuel too, a budget of its own.
    this.fuel?.refill();
    return instantiateGuest(
      this.instantiate,
      this.modules as Record<string, CompiledModule>,
      this.imports as Record<string, unknown>,
      this.budget,
      this.fuel,
    );
  }

  private readonly bind = (short: string, fn: string) => {
    const binding = this.spec.bindings[short];
    const f = binding?.[fn] as ((...args: unknown[]) => unknown) | undefined;
    if (!f) {
      return () => {
        throw new HostAbort('INTERNAL', `the host has no ${short}.${fn}`);
      };
    }
    return (args: unknown[]) => {
      const value = f(...args);
      if (isThenable(value)) {
        Promise.resolve(value).catch(() => undefined);
        throw new HostAbort('INTERNAL', `${short}.${fn} answered asynchronously, which in-thread mode cannot wait for`);
      }
      return value;
    };
  };
}

function exportFunction(exports: Record<string, unknown>, name: string): (...args: unknown[]) => unknown {
  const hash = name.indexOf('#');
  return (
    hash < 0 ? exports[name] : (exports[name.slice(0, hash)] as Record<string, unknown>)[name.slice(hash + 1)]
  ) as (...args: unknown[]) => unknown;
}
