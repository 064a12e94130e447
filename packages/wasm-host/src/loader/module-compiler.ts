import type { ResolvedLimits } from '../wasm-host-options.js';
import type { CompiledModule } from '../sandbox/glue.js';
import { webAssembly } from '../webassembly.js';
import type { Artifact } from './artifact.js';
import { CAPPER_VERSION, type CappedStore } from './capped-store.js';
import { capCoreModule, type CappedModule } from './core-limits.js';
import { artifactKey } from './transpile.js';

/**
 * Compiled sets by (component, variant), shared by every host of the process: compiling depends
 * on nothing else. Kept up to the largest `size` a compiler was made with.
 */
const compiled = new Map<string, Promise<Record<string, CompiledModule>>>();
let kept = 1;

/**
 * Compiles an artifact's core modules capped and metered (see core-limits.ts), once per
 * (component, limits, fuel points or not) in a process: every load, host and instance of a
 * component share the compiled modules (a pool's instances and workers too: a compiled module
 * is posted to a worker without compiling again); plain and fuel-metered ones never mix. Keeps
 * the latest `size` sets. With a `store`, the rewritten bytes are kept on disk too, so a new
 * process only compiles. Rejects with `CoreModuleError` for a module it cannot cap.
 */
export class ModuleCompiler {
  constructor(
    size: number,
    private readonly store?: CappedStore,
  ) {
    kept = Math.max(kept, size);
  }

  compile(artifact: Artifact, limits: ResolvedLimits): Promise<Record<string, CompiledModule>> {
    // Fuel points or not is part of the key (the budget is not: it is set per call).
    const fuel = limits.maxFuel !== undefined;
    const variant = `${limits.maxMemoryPages}-${limits.maxTableElements}-${fuel ? 'fuel' : 'plain'}`;
    const key = `${artifact.hash}:${variant}`;
    let modules = compiled.get(key);
    if (modules) {
      compiled.delete(key);
      compiled.set(key, modules);
    } else {
      modules = (async () => {
        const out: Record<string, CompiledModule> = {};
        for (const [name, bytes] of Object.entries(artifact.coreModules)) {
          const stored = `${artifactKey(artifact.hash)}-${CAPPER_VERSION}-${variant}-${name.replace(/[^\w.-]/g, '_')}`;
          let capped: CappedModule | undefined = await this.store?.read(stored);
          if (!capped) {
            capped = capCoreModule(bytes, { ...limits, fuel });
            // Not waited for: a failed write costs the next process a rewrite, nothing more.
            this.store?.write(stored, capped).catch(() => undefined);
          }
          out[name] = { module: await webAssembly.compile(capped.bytes), initialPages: capped.initialPages };
        }
        return out;
      })();
      compiled.set(key, modules);
      modules.catch(() => compiled.delete(key));
      while (compiled.size > kept) compiled.delete(compiled.keys().next().value as string);
    }
    return modules;
  }
}
