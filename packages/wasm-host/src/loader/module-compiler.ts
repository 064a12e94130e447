import type { ResolvedLimits } from '../wasm-host-options.js';
import type { CompiledModule } from '../sandbox/glue.js';
import type { WasmModule } from '../webassembly.js';
import type { Artifact } from './artifact.js';
import { CAPPER_VERSION, type CappedStore } from './capped-store.js';
import { capCoreModule } from './core-limits.js';
import { compileInFull, compileValidatedBefore } from './lazy-validation.js';
import { artifactKey } from './transpile.js';

/** Where the store keeps a capped module: the component, the rewriter, the variant, the module's name. */
export function cappedKey(hash: string, variant: string, name: string): string {
  return `${artifactKey(hash)}-${CAPPER_VERSION}-${variant}-${name.replace(/[^\w.-]/g, '_')}`;
}

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
 * process only compiles them, validating lazily (see lazy-validation.ts). Rejects with
 * `CoreModuleError` for a module it cannot cap.
 */
export class ModuleCompiler {
  constructor(
    size: number,
    private readonly store?: CappedStore,
    private readonly lazyValidation = true,
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
          const stored = cappedKey(artifact.hash, variant, name);
          const onDisk = await this.store?.read(stored);
          const module = onDisk && (await this.fromDisk(onDisk.bytes));
          if (onDisk && module) {
            out[name] = { module, initialPages: onDisk.initialPages };
            continue;
          }
          const capped = capCoreModule(bytes, { ...limits, fuel });
          out[name] = { module: await compileInFull(capped.bytes), initialPages: capped.initialPages };
          // Kept only once it compiled in full, so that a later process may validate it lazily.
          // Not waited for: a failed write costs the next process a rewrite, nothing more.
          this.store?.write(stored, capped).catch(() => undefined);
        }
        return out;
      })();
      compiled.set(key, modules);
      modules.catch(() => compiled.delete(key));
      while (compiled.size > kept) compiled.delete(compiled.keys().next().value as string);
    }
    return modules;
  }

  /** A module the store kept, compiled; `undefined` when it does not compile (damaged: rewritten from the component). */
  private async fromDisk(bytes: Uint8Array): Promise<WasmModule | undefined> {
    try {
      return await (this.lazyValidation ? compileValidatedBefore(bytes) : compileInFull(bytes));
    } catch {
      return undefined;
    }
  }
}
