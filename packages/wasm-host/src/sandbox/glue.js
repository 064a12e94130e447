// @ts-check
// Evaluating jco's generated glue and instantiating a component with it. Shared by the host's
// own thread (in-thread mode) and the guest worker (isolated mode); plain JavaScript because
// Node 20 workers cannot load TypeScript.

/** @typedef {import('../webassembly.js').WasmModule} WasmModule */
/** @typedef {import('../webassembly.js').WasmMemory} WasmMemory */
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
 * A fresh instance: every core module comes precompiled (and capped) from `modules`.
 * @param {Instantiate} instantiate
 * @param {Record<string, WasmModule>} modules
 * @param {Record<string, unknown>} imports
 * @returns {{ exports: Record<string, unknown>, memories: WasmMemory[] }}
 */
export function instantiateGuest(instantiate, modules, imports) {
  /** @type {WasmMemory[]} */
  const memories = [];
  const exports = instantiate(
    (name) => {
      const module = modules[name];
      if (!module) throw new Error(`the glue asked for an unknown core module ${name}`);
      return module;
    },
    imports,
    (module, importObject) => {
      const instance = new WA.Instance(module, importObject);
      for (const value of Object.values(instance.exports)) {
        if (value instanceof WA.Memory && !memories.includes(value)) memories.push(value);
      }
      return instance;
    },
  );
  return { exports, memories };
}

/**
 * Pages in use across the instance's memories.
 * @param {WasmMemory[]} memories
 */
export function memoryPages(memories) {
  let pages = 0;
  for (const memory of memories) pages += memory.buffer.byteLength / 65536;
  return pages;
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
