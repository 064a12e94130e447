import { describe, expect, it } from 'vitest';
import { evaluateGlue } from '../src/sandbox/glue.js';
import { patchGlue } from '../src/loader/transpile.js';

/** jco's shape, cut down: its JSPI probe per export, in a `try` that falls back to the plain export. */
const glue = `const _debugLog = (...args) => {
    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }
    console.debug(...args);
  };
export function instantiate(getCoreModule, imports) {
  const exported = [() => 1, () => 2];
  const caught = [];
  const usable = exported.map((f) => {
    try {
      return WebAssembly.promising(f);
    } catch (err) {
      caught.push(err);
      return f;
    }
  });
  return { usable, caught };
}
export const _util = {};`;

describe('the glue patch for JSPI probes', () => {
  it('falls back without a fresh error per probe when WebAssembly.promising is missing', () => {
    const wa = (globalThis as unknown as { WebAssembly: { promising?: unknown } }).WebAssembly;
    const saved = wa.promising;
    delete wa.promising;
    try {
      const { usable, caught } = evaluateGlue(patchGlue(glue, []))(() => ({}), {}) as {
        usable: (() => number)[];
        caught: Error[];
      };
      expect(usable.map((f) => f())).toEqual([1, 2]);
      // One error made once, thrown again: no stack is captured per probe (4–20 ms each in jco's init).
      expect(caught).toHaveLength(2);
      expect(caught[0]).toBeInstanceOf(TypeError);
      expect(caught[1]).toBe(caught[0]);
    } finally {
      if (saved !== undefined) wa.promising = saved;
    }
  });

  it('uses WebAssembly.promising when the runtime has it', () => {
    const wa = (globalThis as unknown as { WebAssembly: { promising?: unknown } }).WebAssembly;
    const saved = wa.promising;
    wa.promising = (f: () => number) => () => f() * 10;
    try {
      const { usable, caught } = evaluateGlue(patchGlue(glue, []))(() => ({}), {}) as {
        usable: (() => number)[];
        caught: Error[];
      };
      expect(usable.map((f) => f())).toEqual([10, 20]);
      expect(caught).toEqual([]);
    } finally {
      if (saved === undefined) delete wa.promising;
      else wa.promising = saved;
    }
  });
});
