import { BUDGET_MODULE } from '../sandbox/memory-budget.js';
import { ByteWriter } from './byte-writer.js';
import { malformed, readU32, skipLeb, skipLimits, skipName, skipValType, type Section } from './wasm-binary.js';
import { SITE_FIELDS, scanInstructions, type Sites } from './wasm-instructions.js';

const TYPE = 1;
const IMPORT = 2;
const FUNCTION = 3;
const GLOBAL = 6;
const EXPORT = 7;
const ELEMENT = 9;
const CODE = 10;
const DATA = 11;

/**
 * Meters a core module's memory growth against the component's budget (see
 * src/sandbox/memory-budget.js). Every `memory.grow k` becomes `call $grow_k`, a function added
 * after the module's own (so no function index moves), which grows memory `k` only when the
 * imported global `pages` has room, takes the pages from it, and sets the imported global
 * `denied` when it refuses. The two globals are imported last, so the module's own globals
 * move up by two: every `global.get`/`global.set`, constant expression and global export is
 * renumbered. A module that never grows memory comes back as it is.
 */
export function meterMemoryGrowth(sections: readonly Section[]): Section[] {
  const code = sections.find((s) => s.id === CODE);
  const scanned = code ? scanCode(code.body) : undefined;
  const grown = new Set<number>();
  const sites = scanned?.sites ?? [];
  for (let i = 0; i < sites.length; i += SITE_FIELDS) if (sites[i] === 0x40) grown.add(sites[i + 1] as number);
  if (!code || !scanned || grown.size === 0) return [...sections];

  const types = sections.find((s) => s.id === TYPE);
  const functions = sections.find((s) => s.id === FUNCTION);
  if (!types || !functions) return malformed('a module with code has no type or function section');
  const hookType = countFuncTypes(types.body);
  const imported = countImports(sections.find((s) => s.id === IMPORT)?.body);
  const memories = [...grown].sort((a, b) => a - b);
  const firstHook = imported.functions + readU32(functions.body, 0)[0];
  const renumber: Renumber = {
    global: (index) => (index >= imported.globals ? index + 2 : index),
    hook: (memory) => firstHook + memories.indexOf(memory),
  };
  const budget = { pages: imported.globals, denied: imported.globals + 1 };

  const out: Section[] = [];
  for (const section of sections) {
    switch (section.id) {
      case TYPE:
        out.push(appendEntries(section, [Uint8Array.of(0x60, 1, 0x7f, 1, 0x7f)]));
        if (!sections.some((s) => s.id === IMPORT))
          out.push(appendEntries({ id: IMPORT, body: Uint8Array.of(0) }, budgetImports()));
        break;
      case IMPORT:
        out.push(appendEntries(section, budgetImports()));
        break;
      case FUNCTION:
        out.push(
          appendEntries(
            section,
            memories.map(() => new ByteWriter().u32(hookType).toArray()),
          ),
        );
        break;
      case GLOBAL:
      case ELEMENT:
      case DATA:
      case EXPORT:
        out.push({ id: section.id, body: rewriteConstants(section, renumber) });
        break;
      case CODE:
        out.push({ id: CODE, body: rewriteCode(code.body, scanned, renumber, memories, budget) });
        break;
      default:
        if (section.id !== 0) out.push(section);
        else {
          const names = withoutGlobalNames(section);
          if (names) out.push(names);
        }
    }
  }
  return out;
}

interface Renumber {
  global(index: number): number;
  /** The function that replaces `memory.grow` on `memory`. */
  hook(memory: number): number;
}

/** What replaces a site: `call $grow_k`, or the same global instruction with the new index. */
function replacement(w: ByteWriter, sites: Sites, i: number, renumber: Renumber): void {
  const op = sites[i] as number;
  const index = sites[i + 1] as number;
  if (op === 0x40) w.byte(0x10).u32(renumber.hook(index));
  else w.byte(op).u32(renumber.global(index));
}

/** `bytes[from, to)` with the sites in `sites[first, last)` replaced. */
function copyPatched(
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

interface ScannedCode {
  /** Per body: where it starts and ends, and its sites' range in `sites`: four numbers each. */
  readonly bodies: number[];
  readonly sites: Sites;
}

function scanCode(section: Uint8Array): ScannedCode {
  let [count, p] = readU32(section, 0);
  const bodies: number[] = [];
  const sites: Sites = [];
  for (let i = 0; i < count; i++) {
    let size: number;
    [size, p] = readU32(section, p);
    const start = p;
    const end = p + size;
    if (end > section.byteLength) malformed('a function body runs past the code section');
    let locals: number;
    [locals, p] = readU32(section, p);
    for (let j = 0; j < locals; j++) p = skipValType(section, skipLeb(section, p));
    const first = sites.length;
    scanInstructions(section, p, end, sites);
    bodies.push(start, end, first, sites.length);
    p = end;
  }
  if (p !== section.byteLength) malformed('the code section has bytes after its bodies');
  return { bodies, sites };
}

function rewriteCode(
  section: Uint8Array,
  { bodies, sites }: ScannedCode,
  renumber: Renumber,
  memories: readonly number[],
  budget: { pages: number; denied: number },
): Uint8Array {
  const w = new ByteWriter(section.byteLength + sites.length + 64 * memories.length);
  w.u32(bodies.length / 4 + memories.length);
  const body = new ByteWriter();
  for (let b = 0; b < bodies.length; b += 4) {
    const [start, end, first, last] = bodies.slice(b, b + 4) as [number, number, number, number];
    body.reset();
    copyPatched(body, section, start, end, sites, first, last, renumber);
    w.u32(body.length).bytes(body.view());
  }
  for (const memory of memories) {
    const hook = growHook(memory, budget.pages, budget.denied);
    w.u32(hook.length).bytes(hook);
  }
  return w.toArray();
}

/**
 * `(func (param $n i32) (result i32) (local $old i32)`: refuse (-1, and set `denied`) when `$n`
 * exceeds the pages left; otherwise grow, and on success take `$n` from the pages left.
 */
function growHook(memory: number, pages: number, denied: number): Uint8Array {
  const p = new ByteWriter().u32(pages).toArray();
  const d = new ByteWriter().u32(denied).toArray();
  const k = new ByteWriter().u32(memory).toArray();
  const n = [0x20, 0]; // local.get $n
  const old = 1;
  return Uint8Array.from([
    ...[1, 1, 0x7f], // one i32 local: $old
    ...[...n, 0x23, ...p, 0x4b, 0x04, 0x40], // if ($n >u pages)
    ...[0x41, 1, 0x24, ...d], //   denied = 1
    ...[0x41, 0x7f, 0x0f, 0x0b], //   return -1
    ...[...n, 0x40, ...k, 0x22, old], // $old = memory.grow k ($n)
    ...[0x41, 0x7f, 0x47, 0x04, 0x40], // if ($old != -1)
    ...[0x23, ...p, ...n, 0x6b, 0x24, ...p, 0x0b], //   pages -= $n
    ...[0x20, old, 0x0b], // $old
  ]);
}

/** The two imports, a mutable i32 global each. */
function budgetImports(): Uint8Array[] {
  return ['pages', 'denied'].map((field) =>
    new ByteWriter().name(BUDGET_MODULE).name(field).byte(0x03).byte(0x7f).byte(0x01).toArray(),
  );
}

/** A section with `global.get`s in constant expressions (globals, elements, data) or global exports, renumbered. */
function rewriteConstants(section: Section, renumber: Renumber): Uint8Array {
  const b = section.body;
  const sites: Sites = [];
  const expr = (at: number) => scanInstructions(b, at, undefined, sites);
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
      for (let j = 0; j < items; j++) p = (flags & 4) !== 0 ? expr(p) : skipLeb(b, p);
    }
  }
  if (p !== b.byteLength) malformed(`section ${section.id} has bytes after its entries`);
  if (sites.length === 0) return b;
  const w = new ByteWriter(b.byteLength + sites.length);
  copyPatched(w, b, 0, b.byteLength, sites, 0, sites.length, renumber);
  return w.toArray();
}

/** A vector section's body with `entries` appended (and its count raised). */
function appendEntries(section: Section, entries: readonly Uint8Array[]): Section {
  const [count, p] = readU32(section.body, 0);
  const w = new ByteWriter().u32(count + entries.length).bytes(section.body.subarray(p));
  for (const entry of entries) w.bytes(entry);
  return { id: section.id, body: w.toArray() };
}

/** The number of types; every one must be a function type (the GC proposal's are refused). */
function countFuncTypes(body: Uint8Array): number {
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
function countImports(body: Uint8Array | undefined): { functions: number; globals: number } {
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
function withoutGlobalNames(section: Section): Section | undefined {
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
