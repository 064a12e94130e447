// @ts-check
// Evaluating jco's generated glue and instantiating a component with it. Shared by the host's
// own thread (in-thread mode) and the guest worker (isolated mode); plain JavaScript because
// Node 20 workers cannot load TypeScript.
import { BUDGET_MODULE } from './memory-budget.js';

/** @typedef {import('../webassembly.js').WasmModule} WasmModule */
/** @typedef {import('./memory-budget.js').MemoryBudget} MemoryBudget */
/** @typedef {import('./fuel-tank.js').FuelTank} FuelTank */
/**
 * @typedef {(getCoreModule: (name: string) => WasmModule, imports: Record<string, unknown>,
 *   instantiateCore?: (module: WasmModule, imports?: Record<string, Record<string, unknown>>) => import('../webassembly.js').WasmInstance) => Record<string, unknown>} Instantiate
 */

const WA = /** @type {import('../webassembly.js').WebAssemblyApi} */ (/** @type {any} */ (globalThis).WebAssembly);

/**
 * Turns patched glue source (a function body ending in `return instantiate;`) into jco's
 * `instantiate`. The glue imports nothing and reads no module-level state, so a `Function` body
 * is equivalent to loading it as a module, without a file or a module-map entry per component.
 * @param {string} source
 * @returns {Instantiate}
 */
export function evaluateGlue(source) {
  return /** @type {Instantiate} */ (new Function(source)());
}

/**
 * A core module as the host compiled it: capped and metered (see src/loader/core-limits.ts).
 * @typedef {object} CompiledModule
 * @property {WasmModule} module
 * @property {number} initialPages  pages its own memories start with, charged per instance
 */

/**
 * A fresh instance: every core module comes precompiled (and capped) from `modules`, and every
 * core instance draws on `budget`, a fresh one per component instance. The caller keeps the
 * budget: it tells whether a failure, even one during instantiation, came at the memory cap.
 * @param {Instantiate} instantiate
 * @param {Record<string, CompiledModule>} modules
 * @param {Record<string, unknown>} imports
 * @param {MemoryBudget} budget
 * @param {FuelTank} [fuel]  the call's fuel, when the modules were compiled with fuel points
 * @returns {{ exports: Record<string, unknown>, budget: MemoryBudget }}
 */
export function instantiateGuest(instantiate, modules, imports, budget, fuel) {
  const limits = fuel ? { ...budget.imports, fuel: fuel.global } : budget.imports;
  /** @type {Map<WasmModule, number>} */
  const initialPages = new Map();
  const exports = instantiate(
    (name) => {
      const compiled = modules[name];
      if (!compiled) throw new Error(`the glue asked for an unknown core module ${name}`);
      initialPages.set(compiled.module, compiled.initialPages);
      return compiled.module;
    },
    imports,
    (module, importObject) => {
      const pages = initialPages.get(module);
      if (pages === undefined) throw new Error('the glue instantiated a core module the host did not give it');
      // Charged before the instance exists: its start function may already grow memory.
      budget.charge(pages);
      return new WA.Instance(module, { ...importObject, [BUDGET_MODULE]: limits });
    },
  );
  return { exports, budget };
}

/**
 * Export names the way `call` takes them: `checkedDiv`, `keel:infrastructure/kv@0.1.0#get`.
 * Interfaces appear under their full name and a short alias; only the full one is listed.
 * @param {Record<string, unknown>} exports
 * @returns {string[]}
 */
export function listExports(exports) {
  /** @type {string[]} */
  const names = [];
  const seen = new Set();
  const keys = Object.keys(exports).sort((a, b) => Number(b.includes(':')) - Number(a.includes(':')));
  for (const key of keys) {
    const value = exports[key];
    if (typeof value === 'function') names.push(key);
    else if (value && typeof value === 'object' && !seen.has(value)) {
      seen.add(value);
      for (const [fn, f] of Object.entries(value)) if (typeof f === 'function') names.push(`${key}#${fn}`);
    }
  }
  return names;
}
