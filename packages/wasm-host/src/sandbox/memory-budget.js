// @ts-check
// One component instance's memory budget, shared by all its core instances. A declared maximum
// caps one memory, but a component can instantiate a core module many times (or hold several
// modules with memories), each with its own memory: the cap must hold for their sum. The host
// rewrites every `memory.grow` into a call to a function it adds to the module, which grows
// only within the pages left in two imported globals (see src/loader/module-metering.ts); here
// the globals are made, and the memory a core instance starts with is charged before it exists.
// Shared by both modes; plain JavaScript because Node 20 workers cannot load TypeScript.
import { HostAbort } from './wasi.js';

/** The import module the rewritten core modules read the budget from. */
export const BUDGET_MODULE = 'keel:memory-budget';

const WA = /** @type {any} */ (globalThis).WebAssembly;

/**
 * @typedef {object} WasmGlobal
 * @property {number} value
 */

export class MemoryBudget {
  /** @param {number} maxPages the cap on all of the component's memories together, in 64 KiB pages */
  constructor(maxPages) {
    this.maxPages = maxPages;
    /** @type {WasmGlobal} pages not yet used; only the rewritten `memory.grow` and `charge` lower it */
    this.left = new WA.Global({ value: 'i32', mutable: true }, maxPages);
    /** @type {WasmGlobal} 1 once a grow was refused for want of pages, until `resetDenied` */
    this.denied = new WA.Global({ value: 'i32', mutable: true }, 0);
    /** The import object entry every core instance of the component gets. */
    this.imports = Object.freeze({ pages: this.left, denied: this.denied });
  }

  /**
   * Charges the pages a core instance's own memories start with, before it is instantiated.
   * @param {number} pages
   */
  charge(pages) {
    if (pages > this.left.value) {
      this.denied.value = 1;
      throw new HostAbort(
        'MEMORY_LIMIT',
        `the component's memories would start with more than its cap of ${this.maxPages} pages together`,
      );
    }
    this.left.value -= pages;
  }

  /** Pages in use across every memory of the component. */
  used() {
    return this.maxPages - this.left.value;
  }

  /**
   * Whether a grow was refused for want of pages during this call: what makes a trap a
   * `MEMORY_LIMIT`. Decided by the refusal itself, not by how close memory came to the cap:
   * allocators grow in steps (SpiderMonkey 16+ pages) and give up well below it, while a guest
   * that traps for another reason with its memory exactly full did not hit the limit.
   */
  refused() {
    return this.denied.value !== 0;
  }

  /** Forgets a refusal the guest handled: a call starts with none. */
  resetDenied() {
    this.denied.value = 0;
  }
}
