import type { ResolvedLimits } from '../wasm-host-options.js';
import type { CompiledModule } from '../sandbox/glue.js';
import { webAssembly } from '../webassembly.js';
import type { Artifact } from './artifact.js';
import { capCoreModule } from './core-limits.js';

/**
 * Compiles an artifact's core modules capped and metered (see core-limits.ts), once per
 * (component, limits, fuel points or not): loads with the same limits share the compiled
 * modules; plain and fuel-metered ones never mix. Keeps the
 * latest `size` sets. Rejects with `CoreModuleError` for a module it cannot cap.
 */
export class ModuleCompiler {
  private readonly compiled = new Map<string, Promise<Record<string, CompiledModule>>>();

  constructor(private readonly size: number) {}

  compile(artifact: Artifact, limits: ResolvedLimits): Promise<Record<string, CompiledModule>> {
    // Fuel points or not is part of the key (the budget is not: it is set per call).
    const fuel = limits.maxFuel !== undefined;
    const key = `${artifact.hash}:${limits.maxMemoryPages}:${limits.maxTableElements}:${fuel ? 'fuel' : 'plain'}`;
    let modules = this.compiled.get(key);
    if (!modules) {
      modules = (async () => {
        const out: Record<string, CompiledModule> = {};
        for (const [name, bytes] of Object.entries(artifact.coreModules)) {
          const capped = capCoreModule(bytes, { ...limits, fuel });
          out[name] = { module: await webAssembly.compile(capped.bytes), initialPages: capped.initialPages };
        }
        return out;
      })();
      this.compiled.set(key, modules);
      modules.catch(() => this.compiled.delete(key));
      while (this.compiled.size > this.size) this.compiled.delete(this.compiled.keys().next().value as string);
    }
    return modules;
  }
}
