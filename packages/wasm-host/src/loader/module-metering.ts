import { ByteWriter } from './byte-writer.js';
import {
  appendEntries,
  budgetImports,
  copyPatched,
  countFuncTypes,
  countImports,
  escapingFunctions,
  type Renumber,
  rewriteConstants,
  withoutGlobalNames,
} from './module-sections.js';
import { malformed, readU32, skipLeb, skipValType, type Section } from './wasm-binary.js';
import { type CodeFacts, SITE_FIELDS, scanInstructions, type Sites } from './wasm-instructions.js';

const TYPE = 1;
const IMPORT = 2;
const FUNCTION = 3;
const CODE = 10;
const I32 = 0x7f;
const I64 = 0x7e;

/** How a core module is metered. */
export interface MeterOptions {
  /** Add fuel points (function entries, loop tops) drawing on the imported `fuel` counter. */
  readonly fuel: boolean;
}

/**
 * Meters a core module: its memory growth against the component's budget (see
 * src/sandbox/memory-budget.js) and, with `fuel`, its CPU against the call's fuel (see
 * src/sandbox/fuel-tank.js).
 *
 * Every `memory.grow k` becomes `call $grow_k`, a function added after the module's own (so no
 * function index moves), which grows memory `k` only when the imported global `pages` has room,
 * takes the pages from it, and sets the imported global `denied` when it refuses. Fuel points
 * (see `scanInstructions`) subtract their cost from the imported i64 global `fuel` and trap
 * when it goes below zero. The globals are imported last, so the module's own globals move up:
 * every `global.get`/`global.set`, constant expression and global export is renumbered. A module
 * with nothing to meter comes back as it is.
 */
export function meterModule(sections: readonly Section[], options: MeterOptions): Section[] {
  const code = sections.find((s) => s.id === CODE);
  const scanned = code ? scanCode(code.body, options.fuel) : undefined;
  const imported = countImports(sections.find((s) => s.id === IMPORT)?.body);
  if (scanned?.facts) foldLeaves(scanned, imported.functions, escapingFunctions(sections, scanned.facts.refs));
  const grown = new Set<number>();
  const sites = scanned?.sites ?? [];
  for (let i = 0; i < sites.length; i += SITE_FIELDS) if (sites[i] === 0x40) grown.add(sites[i + 1] as number);
  if (!code || !scanned || (grown.size === 0 && !options.fuel)) return [...sections];

  const types = sections.find((s) => s.id === TYPE);
  const functions = sections.find((s) => s.id === FUNCTION);
  if (!types || !functions) return malformed('a module with code has no type or function section');
  const hookType = countFuncTypes(types.body);
  const memories = [...grown].sort((a, b) => a - b);
  const added: [string, number][] = [];
  if (memories.length > 0) added.push(['pages', I32], ['denied', I32]);
  if (options.fuel) added.push(['fuel', I64]);
  const firstHook = imported.functions + readU32(functions.body, 0)[0];
  const renumber: Renumber = {
    global: (index) => (index >= imported.globals ? index + added.length : index),
    hook: (memory) => firstHook + memories.indexOf(memory),
    fuel: options.fuel ? imported.globals + added.length - 1 : undefined,
  };
  const budget = { pages: imported.globals, denied: imported.globals + 1 };
  const imports = budgetImports(added);

  const out: Section[] = [];
  for (const section of sections) {
    switch (section.id) {
      case TYPE:
        out.push(memories.length > 0 ? appendEntries(section, [Uint8Array.of(0x60, 1, I32, 1, I32)]) : section);
        if (!sections.some((s) => s.id === IMPORT))
          out.push(appendEntries({ id: IMPORT, body: Uint8Array.of(0) }, imports));
        break;
      case IMPORT:
        out.push(appendEntries(section, imports));
        break;
      case FUNCTION:
        out.push(
          appendEntries(
            section,
            memories.map(() => new ByteWriter().u32(hookType).toArray()),
          ),
        );
        break;
      case CODE:
        out.push({ id: CODE, body: rewriteCode(code.body, scanned, renumber, memories, budget) });
        break;
      case 0: {
        const names = withoutGlobalNames(section);
        if (names) out.push(names);
        break;
      }
      default:
        out.push({ id: section.id, body: rewriteConstants(section, renumber) });
    }
  }
  return out;
}

interface ScannedCode {
  /** Per body: where it starts and ends, and its sites' range in `sites`: four numbers each. */
  readonly bodies: number[];
  readonly sites: Sites;
  /** With fuel: every body's calls and `ref.func`s, and which bodies are leaves. */
  readonly facts: (CodeFacts & { readonly leaves: boolean[] }) | undefined;
}

function scanCode(section: Uint8Array, fuel: boolean): ScannedCode {
  let [count, p] = readU32(section, 0);
  const bodies: number[] = [];
  const sites: Sites = [];
  const facts = fuel ? { calls: [], refs: [], leaf: true, leaves: [] as boolean[] } : undefined;
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
    if (facts) facts.leaf = true;
    scanInstructions(section, p, end, sites, fuel, facts);
    facts?.leaves.push(facts.leaf);
    bodies.push(start, end, first, sites.length);
    p = end;
  }
  if (p !== section.byteLength) malformed('the code section has bytes after its bodies');
  return { bodies, sites, facts };
}

/**
 * A leaf (no loop, no call) runs at most its own instructions per call, so it needs no fuel
 * point of its own when only direct calls reach it: its cost is added to the point of each
 * region that calls it (a region runs each of its calls at most once per pass, so the bound
 * holds), and its entry point is dropped. Small leaves are most of a compiled program's calls,
 * and a point in each kept V8 from inlining them: 2.4× on a tight loop, 1.2× without.
 */
function foldLeaves(scanned: ScannedCode, importedFunctions: number, escaping: ReadonlySet<number>): void {
  const { bodies, sites, facts } = scanned;
  if (!facts) return;
  const folded = (callee: number) => {
    const body = callee - importedFunctions;
    return body >= 0 && facts.leaves[body] === true && !escaping.has(callee);
  };
  // The entry point is a body's first site; its operand is the body's cost.
  const entry = (callee: number) => bodies[(callee - importedFunctions) * 4 + 2] as number;
  for (let i = 0; i < facts.calls.length; i += 2) {
    const callee = facts.calls[i] as number;
    const region = facts.calls[i + 1] as number;
    if (folded(callee)) sites[region + 1] = (sites[region + 1] as number) + (sites[entry(callee) + 1] as number);
  }
  for (let body = 0; body < facts.leaves.length; body++) {
    if (folded(body + importedFunctions)) sites[(bodies[body * 4 + 2] as number) + 1] = 0;
  }
}

function rewriteCode(
  section: Uint8Array,
  { bodies, sites }: ScannedCode,
  renumber: Renumber,
  memories: readonly number[],
  budget: { pages: number; denied: number },
): Uint8Array {
  const w = new ByteWriter(section.byteLength + sites.length * 4 + 64 * memories.length);
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
