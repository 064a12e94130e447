import { meterModule } from './module-metering.js';
import {
  CoreModuleError,
  malformed,
  readSections,
  readU32,
  skipValType,
  writeModule,
  writeU32,
} from './wasm-binary.js';

export { CoreModuleError } from './wasm-binary.js';

/**
 * Puts a ceiling on what a core module may grow to. `WebAssembly.Memory` lives outside the
 * JavaScript heap, so a worker's `resourceLimits` does not bound it; the host does, twice:
 * every memory and table the module defines gets a declared maximum (`memory.grow` past it
 * returns -1, which guests turn into an allocation failure), and every `memory.grow` is metered
 * against the budget all the component's memories share (see module-metering.ts), since a
 * component can instantiate a module many times, each instance with a memory of its own.
 * With `fuel`, the module also gets fuel points, so a call's CPU is bounded in both modes.
 */
export interface CoreLimits {
  /** The most 64 KiB pages all the component's memories together may have. */
  readonly maxMemoryPages: number;
  /** The most elements any defined table may have. */
  readonly maxTableElements: number;
  /** Meter CPU with fuel points (see module-metering.ts); the budget itself is set per call. */
  readonly fuel?: boolean;
}

export interface CappedModule {
  readonly bytes: Uint8Array;
  /** Pages the memories the module defines start with: charged to the budget per instance. */
  readonly initialPages: number;
}

const SECTION_TABLE = 4;
const SECTION_MEMORY = 5;

/** The module rewritten under `limits`. Throws `CoreModuleError` for a module it cannot cap. */
export function capCoreModule(bytes: Uint8Array, limits: CoreLimits): CappedModule {
  let initialPages = 0;
  const sections = readSections(bytes).map((section) => {
    if (section.id === SECTION_MEMORY) {
      const capped = capMemories(section.body, limits.maxMemoryPages);
      initialPages = capped.initialPages;
      return { id: section.id, body: Uint8Array.from(capped.body) };
    }
    if (section.id === SECTION_TABLE)
      return { id: section.id, body: Uint8Array.from(capTables(section.body, limits.maxTableElements)) };
    return section;
  });
  if (initialPages > limits.maxMemoryPages) {
    throw new CoreModuleError(
      'MEMORY_LIMIT',
      `the module's memories start with ${initialPages} pages together, above the cap of ${limits.maxMemoryPages}`,
    );
  }
  return { bytes: writeModule(meterModule(sections, { fuel: limits.fuel === true })), initialPages };
}

function capMemories(body: Uint8Array, maxPages: number): { body: number[]; initialPages: number } {
  let [count, q] = readU32(body, 0);
  const out = writeU32(count);
  let initialPages = 0;
  for (let i = 0; i < count; i++) {
    const flags = body[q++] as number;
    if (flags & 0x04) malformed('64-bit memories are not supported');
    if (flags & 0x08) malformed('custom page sizes are not supported');
    let min: number;
    let max: number | undefined;
    [min, q] = readU32(body, q);
    if (flags & 0x01) [max, q] = readU32(body, q);
    if (min > maxPages) {
      throw new CoreModuleError(
        'MEMORY_LIMIT',
        `the module starts with ${min} pages of memory, above the cap of ${maxPages}`,
      );
    }
    initialPages += min;
    out.push(flags | 0x01, ...writeU32(min), ...writeU32(max === undefined ? maxPages : Math.min(max, maxPages)));
  }
  return { body: out, initialPages };
}

function capTables(body: Uint8Array, maxElements: number): number[] {
  let [count, q] = readU32(body, 0);
  const out = writeU32(count);
  for (let i = 0; i < count; i++) {
    // A table with an initialiser expression (0x40 0x00) is not produced by component tooling.
    if (body[q] === 0x40) malformed('tables with initialiser expressions are not supported');
    const typeEnd = skipValType(body, q);
    const refType = [...body.subarray(q, typeEnd)];
    q = typeEnd;
    const flags = body[q++] as number;
    if (flags & 0x04) malformed('64-bit tables are not supported');
    let min: number;
    let max: number | undefined;
    [min, q] = readU32(body, q);
    if (flags & 0x01) [max, q] = readU32(body, q);
    if (min > maxElements) {
      throw new CoreModuleError('MEMORY_LIMIT', `a table starts with ${min} elements, above the cap of ${maxElements}`);
    }
    out.push(
      ...refType,
      flags | 0x01,
      ...writeU32(min),
      ...writeU32(max === undefined ? maxElements : Math.min(max, maxElements)),
    );
  }
  return out;
}
