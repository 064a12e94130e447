import { BUDGET_MODULE } from '../sandbox/memory-budget.js';
import {
  malformed,
  readU32,
  skipLeb,
  skipLimits,
  skipName,
  skipValType,
  writeU32,
  type Section,
} from './wasm-binary.js';
import { scanInstructions, type Site } from './wasm-instructions.js';

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
  const bodies = code ? readBodies(code.body) : [];
  const grown = new Set<number>();
  for (const body of bodies) for (const site of body.sites) if (site.opcode === 0x40) grown.add(site.index);
  if (grown.size === 0) return [...sections];

  const types = sections.find((s) => s.id === TYPE);
  if (!types) return malformed('a module with code has no type section');
  const hookType = countFuncTypes(types.body);
  const imported = countImports(sections.find((s) => s.id === IMPORT)?.body);
  const functions = sections.find((s) => s.id === FUNCTION);
  if (!functions) return malformed('a module with code has no function section');
  const definedFunctions = readU32(functions.body, 0)[0];
  const memories = [...grown].sort((a, b) => a - b);
  const hookIndex = new Map(memories.map((k, i) => [k, imported.functions + definedFunctions + i]));
  const pagesGlobal = imported.globals;
  const deniedGlobal = imported.globals + 1;
  const global = (index: number) => (index >= imported.globals ? index + 2 : index);
  const edit = (site: Site): Edit => ({
    at: site.at,
    end: site.end,
    bytes:
      site.opcode === 0x40
        ? [0x10, ...writeU32(hookIndex.get(site.index) as number)]
        : [site.opcode, ...writeU32(global(site.index))],
  });

  const out: Section[] = [];
  for (const section of sections) {
    switch (section.id) {
      case TYPE:
        out.push(appendEntries(section, [[0x60, 1, 0x7f, 1, 0x7f]]));
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
            memories.map(() => writeU32(hookType)),
          ),
        );
        break;
      case GLOBAL:
      case ELEMENT:
      case DATA:
      case EXPORT:
        out.push({ id: section.id, body: patch(section.body, constantSites(section, edit, global)) });
        break;
      case CODE: {
        const rewritten = bodies.map((b) =>
          patch(
            section.body.subarray(b.start, b.end),
            b.sites.map((s) => edit({ ...s, at: s.at - b.start, end: s.end - b.start })),
          ),
        );
        const hooks = memories.map((k) => Uint8Array.from(growHook(k, pagesGlobal, deniedGlobal)));
        out.push({
          id: CODE,
          body: vector(
            [...rewritten, ...hooks].map((b) => Buffer.concat([Uint8Array.from(writeU32(b.byteLength)), b])),
          ),
        });
        break;
      }
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

/**
 * `(func (param $n i32) (result i32) (local $old i32)`: refuse (-1, and set `denied`) when `$n`
 * exceeds the pages left; otherwise grow, and on success take `$n` from the pages left.
 */
function growHook(memory: number, pages: number, denied: number): number[] {
  const p = writeU32(pages);
  const d = writeU32(denied);
  const n = [0x20, 0]; // local.get $n
  const old = 1;
  return [
    ...[1, 1, 0x7f], // one i32 local: $old
    ...[...n, 0x23, ...p, 0x4b, 0x04, 0x40], // if ($n >u pages)
    ...[0x41, 1, 0x24, ...d], //   denied = 1
    ...[0x41, 0x7f, 0x0f, 0x0b], //   return -1
    ...[...n, 0x40, ...writeU32(memory), 0x22, old], // $old = memory.grow k ($n)
    ...[0x41, 0x7f, 0x47, 0x04, 0x40], // if ($old != -1)
    ...[0x23, ...p, ...n, 0x6b, 0x24, ...p, 0x0b], //   pages -= $n
    ...[0x20, old, 0x0b], // $old
  ];
}

function budgetImports(): number[][] {
  const name = (s: string) => {
    const bytes = new TextEncoder().encode(s);
    return [...writeU32(bytes.byteLength), ...bytes];
  };
  // A mutable i32 global each.
  return ['pages', 'denied'].map((field) => [...name(BUDGET_MODULE), ...name(field), 0x03, 0x7f, 0x01]);
}

interface Body {
  readonly start: number;
  readonly end: number;
  readonly sites: Site[];
}

function readBodies(section: Uint8Array): Body[] {
  let [count, p] = readU32(section, 0);
  const out: Body[] = [];
  for (let i = 0; i < count; i++) {
    let size: number;
    [size, p] = readU32(section, p);
    const start = p;
    const end = p + size;
    if (end > section.byteLength) malformed('a function body runs past the code section');
    let locals: number;
    [locals, p] = readU32(section, p);
    for (let j = 0; j < locals; j++) p = skipValType(section, skipLeb(section, p));
    const sites: Site[] = [];
    scanInstructions(section, p, end, (s) => sites.push(s));
    out.push({ start, end, sites });
    p = end;
  }
  return out;
}

/** The edits of a section's constant expressions (`global.get`) and global exports. */
function constantSites(section: Section, edit: (s: Site) => Edit, global: (index: number) => number): Edit[] {
  const b = section.body;
  const edits: Edit[] = [];
  const expr = (at: number) => scanInstructions(b, at, undefined, (s) => edits.push(edit(s)));
  let [count, p] = readU32(b, 0);
  for (let i = 0; i < count; i++) {
    if (section.id === GLOBAL) {
      p = expr(skipValType(b, p) + 1);
    } else if (section.id === EXPORT) {
      p = skipName(b, p);
      const kind = b[p++];
      const [index, next] = readU32(b, p);
      if (kind === 0x03) edits.push({ at: p, end: next, bytes: writeU32(global(index)) });
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
  return edits;
}

interface Edit {
  readonly at: number;
  readonly end: number;
  readonly bytes: number[];
}

/** `bytes` with each edit's range replaced, edits in order. */
function patch(bytes: Uint8Array, edits: readonly Edit[]): Uint8Array {
  if (edits.length === 0) return bytes;
  const parts: Uint8Array[] = [];
  let cursor = 0;
  for (const e of edits) {
    parts.push(bytes.subarray(cursor, e.at), Uint8Array.from(e.bytes));
    cursor = e.end;
  }
  parts.push(bytes.subarray(cursor));
  return Buffer.concat(parts);
}

/** A vector section's body with `entries` appended (and its count raised). */
function appendEntries(section: Section, entries: readonly number[][]): Section {
  const [count, p] = readU32(section.body, 0);
  return {
    id: section.id,
    body: Buffer.concat([
      Uint8Array.from(writeU32(count + entries.length)),
      section.body.subarray(p),
      Uint8Array.from(entries.flat()),
    ]),
  };
}

/** A vector of already encoded entries. */
function vector(entries: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat([Uint8Array.from(writeU32(entries.length)), ...entries]);
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
    const parts: Uint8Array[] = [b.subarray(0, at + length)];
    let p = at + length;
    while (p < b.byteLength) {
      const id = b[p] as number;
      const [size, start] = readU32(b, p + 1);
      if (id !== 7) parts.push(b.subarray(p, start + size));
      p = start + size;
    }
    return { id: 0, body: Buffer.concat(parts) };
  } catch {
    // Names are only for stack traces: an unreadable name section is dropped, not refused.
    return undefined;
  }
}
