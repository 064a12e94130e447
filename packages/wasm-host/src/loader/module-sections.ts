import { BUDGET_MODULE } from '../sandbox/memory-budget.js';
import { ByteWriter } from './byte-writer.js';
import { malformed, readU32, skipLeb, skipLimits, skipName, skipValType, type Section } from './wasm-binary.js';
import { type CodeFacts, FUEL, SITE_FIELDS, scanInstructions, type Sites } from './wasm-instructions.js';

/**
 * The pieces of a module rewrite shared by memory metering and fuel: renumbering globals after
 * imported ones are added, copying code with its sites replaced, and the sections that only
 * need their counts or global indices touched.
 */

const GLOBAL = 6;
const EXPORT = 7;
const START = 8;
const ELEMENT = 9;
const DATA = 11;

export interface Renumber {
  global(index: number): number;
  /** The function that replaces `memory.grow` on `memory`. */
  hook(memory: number): number;
  /** The fuel counter's global index, when the module is fuel-metered. */
  readonly fuel: number | undefined;
}

/** What replaces a site: `call $grow_k`, a global instruction with its new index, or a fuel check. */
function replacement(w: ByteWriter, sites: Sites, i: number, renumber: Renumber): void {
  const op = sites[i] as number;
  const operand = sites[i + 1] as number;
  if (op === FUEL) {
    // A point whose cost moved to its callers' (a leaf function's entry) is left out.
    if (operand > 0) fuelCheck(w, renumber.fuel as number, operand);
  } else if (op === 0x40) w.byte(0x10).u32(renumber.hook(operand));
  else w.byte(op).u32(renumber.global(operand));
}

/**
 * `fuel -= cost; if (fuel < 0) unreachable`: the counter is an imported i64, so every core
 * instance of the component draws on one budget, and the host reads what is left after a trap
 * to tell exhaustion from the guest's own `unreachable`.
 */
function fuelCheck(w: ByteWriter, fuel: number, cost: number): void {
  w.byte(0x23).u32(fuel).byte(0x42); // global.get, i64.const cost
  signedLeb(w, cost);
  w.byte(0x7d).byte(0x24).u32(fuel); // i64.sub, global.set
  w.byte(0x23).u32(fuel).byte(0x42).byte(0).byte(0x53); // global.get, i64.const 0, i64.lt_s
  w.byte(0x04).byte(0x40).byte(0x00).byte(0x0b); // if unreachable end
}

/** A non-negative number as a signed LEB128 (i64.const's immediate). */
function signedLeb(w: ByteWriter, value: number): void {
  let v = value;
  for (;;) {
    const byte = v % 128;
    v = Math.floor(v / 128);
    // Done when what is left is zero and the sign bit (0x40) of this byte is clear.
    if (v === 0 && (byte & 0x40) === 0) {
      w.byte(byte);
      return;
    }
    w.byte(byte | 0x80);
  }
}

/** `bytes[from, to)` with the sites in `sites[first, last)` replaced. */
export function copyPatched(
  w: ByteWriter,
  bytes: Uint8Array,
  from: number,
  to: number,
  sites: Sites,
  first: number,
  last: number,
  renumber: Renumber,
): void {
  let cursor = from;
  for (let i = first; i < last; i += SITE_FIELDS) {
    w.bytes(bytes.subarray(cursor, sites[i + 2]));
    replacement(w, sites, i, renumber);
    cursor = sites[i + 3] as number;
  }
  w.bytes(bytes.subarray(cursor, to));
}

/** The imports the host adds, each a mutable global of `BUDGET_MODULE`: `[field, value type]`. */
export function budgetImports(globals: readonly (readonly [string, number])[]): Uint8Array[] {
  return globals.map(([field, type]) =>
    new ByteWriter().name(BUDGET_MODULE).name(field).byte(0x03).byte(type).byte(0x01).toArray(),
  );
}

/** A section with `global.get`s in constant expressions (globals, elements, data) or global exports, renumbered. */
export function rewriteConstants(section: Section, renumber: Renumber): Uint8Array {
  const b = section.body;
  const sites = constantSites(section);
  if (sites.length === 0) return b;
  const w = new ByteWriter(b.byteLength + sites.length);
  copyPatched(w, b, 0, b.byteLength, sites, 0, sites.length, renumber);
  return w.toArray();
}

/**
 * The functions a module lets be called from elsewhere than its own direct calls: exported, the
 * start function, put in a table or named by `ref.func` in a constant expression (`codeRefs`: the
 * ones named in code). Any other function is reached only by a `call` the metering can see.
 */
export function escapingFunctions(sections: readonly Section[], codeRefs: readonly number[]): Set<number> {
  const facts: CodeFacts = { calls: [], refs: [...codeRefs], leaf: true };
  for (const section of sections) {
    if (section.id === START) facts.refs.push(readU32(section.body, 0)[0]);
    else constantSites(section, facts);
  }
  return new Set(facts.refs);
}

/** The sites of a section's constant expressions and global exports; `escapes` gets the functions it exposes. */
function constantSites(section: Section, escapes?: CodeFacts): Sites {
  const sites: Sites = [];
  if (section.id !== GLOBAL && section.id !== EXPORT && section.id !== DATA && section.id !== ELEMENT) return sites;
  const b = section.body;
  const expr = (at: number) => scanInstructions(b, at, undefined, sites, false, escapes);
  let [count, p] = readU32(b, 0);
  for (let i = 0; i < count; i++) {
    if (section.id === GLOBAL) {
      p = expr(skipValType(b, p) + 1);
    } else if (section.id === EXPORT) {
      p = skipName(b, p);
      const kind = b[p++];
      const [index, next] = readU32(b, p);
      // A global export: renumbered like a global.get, whose opcode byte is the export's kind.
      if (kind === 0x03) sites.push(0x03, index, p - 1, next);
      else if (kind === 0x00) escapes?.refs.push(index);
      p = next;
    } else if (section.id === DATA) {
      let flags: number;
      [flags, p] = readU32(b, p);
      if (flags > 2) malformed(`unknown data segment kind ${flags}`);
      if (flags === 2) p = skipLeb(b, p);
      if (flags !== 1) p = expr(p);
      p = skipName(b, p);
    } else {
      let flags: number;
      [flags, p] = readU32(b, p);
      if (flags > 7) malformed(`unknown element segment kind ${flags}`);
      // Bit 0: passive or declarative; bit 1: a table index (active) or declarative; bit 2: expressions.
      if ((flags & 1) === 0) p = expr((flags & 2) !== 0 ? skipLeb(b, p) : p);
      if (flags !== 0 && flags !== 4) p = (flags & 4) !== 0 ? skipValType(b, p) : p + 1;
      let items: number;
      [items, p] = readU32(b, p);
      for (let j = 0; j < items; j++) {
        if ((flags & 4) !== 0) p = expr(p);
        else {
          // Without expressions, the items are function indices.
          const [index, next] = readU32(b, p);
          escapes?.refs.push(index);
          p = next;
        }
      }
    }
  }
  if (p !== b.byteLength) malformed(`section ${section.id} has bytes after its entries`);
  return sites;
}

/** A vector section's body with `entries` appended (and its count raised). */
export function appendEntries(section: Section, entries: readonly Uint8Array[]): Section {
  const [count, p] = readU32(section.body, 0);
  const w = new ByteWriter().u32(count + entries.length).bytes(section.body.subarray(p));
  for (const entry of entries) w.bytes(entry);
  return { id: section.id, body: w.toArray() };
}

/** The number of types; every one must be a function type (the GC proposal's are refused). */
export function countFuncTypes(body: Uint8Array): number {
  let [count, p] = readU32(body, 0);
  for (let i = 0; i < count; i++) {
    if (body[p++] !== 0x60) malformed('only function types are supported (no GC type definitions)');
    for (let part = 0; part < 2; part++) {
      let n: number;
      [n, p] = readU32(body, p);
      for (let j = 0; j < n; j++) p = skipValType(body, p);
    }
  }
  return count;
}

/** Imported functions and globals; a module importing from the budget's own module is refused. */
export function countImports(body: Uint8Array | undefined): { functions: number; globals: number } {
  const counts = { functions: 0, globals: 0 };
  if (body === undefined) return counts;
  let [count, p] = readU32(body, 0);
  const budget = new TextEncoder().encode(BUDGET_MODULE);
  for (let i = 0; i < count; i++) {
    const [length, nameAt] = readU32(body, p);
    if (Buffer.from(body.subarray(nameAt, nameAt + length)).equals(budget))
      malformed(`a core module imports from ${BUDGET_MODULE}, which is the host's`);
    p = skipName(body, skipName(body, p));
    const kind = body[p++];
    if (kind === 0x00) {
      counts.functions++;
      p = skipLeb(body, p);
    } else if (kind === 0x01) {
      p = skipLimits(body, skipValType(body, p));
    } else if (kind === 0x02) {
      p = skipLimits(body, p);
    } else if (kind === 0x03) {
      counts.globals++;
      p = skipValType(body, p) + 1;
    } else if (kind === 0x04) {
      p = skipLeb(body, p + 1);
    } else {
      malformed(`unknown import kind ${kind}`);
    }
  }
  return counts;
}

/** The custom `name` section without its global names (their indices moved); others as they are. */
export function withoutGlobalNames(section: Section): Section | undefined {
  const b = section.body;
  try {
    const [length, at] = readU32(b, 0);
    if (new TextDecoder().decode(b.subarray(at, at + length)) !== 'name') return section;
    const w = new ByteWriter().bytes(b.subarray(0, at + length));
    let p = at + length;
    while (p < b.byteLength) {
      const id = b[p] as number;
      const [size, start] = readU32(b, p + 1);
      if (id !== 7) w.bytes(b.subarray(p, start + size));
      p = start + size;
    }
    return { id: 0, body: w.toArray() };
  } catch {
    // Names are only for stack traces: an unreadable name section is dropped, not refused.
    return undefined;
  }
}
