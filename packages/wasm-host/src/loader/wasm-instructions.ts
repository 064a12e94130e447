import { malformed, readU32, skipLeb, skipValType } from './wasm-binary.js';

/**
 * The sites the rewriting changes, as four numbers each, flat (a module holds tens of thousands
 * of them): the opcode, its operand, where the opcode byte is, and where the instruction ends.
 * `memory.grow` (0x40) and `global.get`/`global.set` (0x23/0x24) carry the memory or global
 * index; a fuel point (`FUEL`, not an opcode) is an insertion (it starts and ends at the same
 * place) whose operand is its cost.
 */
export type Sites = number[];
export const SITE_FIELDS = 4;
/** A fuel point's site kind: above every opcode byte. */
export const FUEL = 0x100;

/** What the fuel metering learns of a function body (or constant expression) besides its sites. */
export interface CodeFacts {
  /** Direct calls, two numbers each: the callee, and the index in `sites` of the caller's region's fuel point. */
  readonly calls: number[];
  /** Functions named by `ref.func`: they may be called from anywhere. */
  readonly refs: number[];
  /** No loop and no call of any kind: it runs at most its own instructions, once per call. */
  leaf: boolean;
}

/**
 * Decodes the instructions in `bytes[start, end)` and appends every `memory.grow`, `global.get`
 * and `global.set` to `sites`. Without `end` it reads one constant expression: up to and
 * including its `end` opcode. Returns where it stopped.
 *
 * With `fuel` (a function body), it also adds the fuel points: one at `start` (the function's
 * entry) and one at the top of every loop body (where each back-edge lands), each costing the
 * instructions of its region: the function's outside its loops, a loop's outside the loops
 * nested in it — an upper bound of what one entry or one iteration runs before the next point.
 * `facts`, when given, receives the body's calls and `ref.func`s (see `CodeFacts`).
 *
 * Every immediate of every opcode is decoded, so no byte of an immediate is ever taken for an
 * opcode; an opcode this table does not know (GC, or a proposal newer than it) is refused
 * rather than skipped, since a wrong length would hide the rest of the function from it.
 */
export function scanInstructions(
  bytes: Uint8Array,
  start: number,
  end: number | undefined,
  sites: Sites,
  fuel = false,
  facts?: CodeFacts,
): number {
  let p = start;
  const limit = end ?? bytes.byteLength;
  let ops = 0;
  // Open blocks, 1 for a loop; and per metered region (the function, then open loops):
  // its site's index in `sites`, the ops count when it opened, the ops inside its nested loops.
  const blocks: number[] = [];
  const regions: number[] = [];
  if (fuel) {
    regions.push(sites.length, 0, 0);
    sites.push(FUEL, 0, start, start);
  }
  while (p < limit) {
    const at = p;
    const op = bytes[p++] as number;
    ops++;
    // The hot path (a few MB of code take tens of milliseconds): a table lookup, LEB128 skipped inline.
    switch (immediates[op]) {
      case NONE:
        if (op === 0x0b) {
          if (end === undefined) return p;
          if (fuel && blocks.pop() === 1) closeLoop(sites, regions, ops);
        }
        break;
      case LEB:
        if (facts !== undefined && ((op >= 0x10 && op <= 0x15) || op === 0xd2)) {
          p = noteCall(bytes, op, p, facts, regions[regions.length - 3] as number);
          break;
        }
        while ((bytes[p++] as number) & 0x80);
        break;
      case LEB2:
        // call_indirect, return_call_indirect
        if (facts !== undefined) facts.leaf = false;
        while ((bytes[p++] as number) & 0x80);
        while ((bytes[p++] as number) & 0x80);
        break;
      case MEMARG:
        p = skipMemarg(bytes, p);
        break;
      case SITE: {
        const [index, next] = readU32(bytes, p);
        p = next;
        sites.push(op, index, at, p);
        break;
      }
      default:
        p = skipOther(bytes, op, p);
        if (fuel && op !== 0x0e && op !== 0x1c && op < 0x43) {
          // block, loop, if, try, try_table open a block; a loop also a region, metered at its top.
          blocks.push(op === 0x03 ? 1 : 0);
          if (op === 0x03) {
            if (facts !== undefined) facts.leaf = false;
            regions.push(sites.length, ops, 0);
            sites.push(FUEL, 0, p, p);
          }
        }
    }
    // `delegate` (legacy exceptions) ends its `try` like `end`.
    if (op === 0x18 && fuel) blocks.pop();
  }
  if (p !== limit) malformed('an instruction runs past the end of its function');
  if (fuel) sites[(regions[0] as number) + 1] = Math.max(1, ops - (regions[2] as number));
  return p;
}

/** Records a call or a `ref.func` (opcode `op`, its index at `at`); returns where the instruction ends. */
function noteCall(bytes: Uint8Array, op: number, at: number, facts: CodeFacts, region: number): number {
  const [index, p] = readU32(bytes, at);
  if (op === 0xd2) facts.refs.push(index);
  else {
    facts.leaf = false;
    if (op === 0x10) facts.calls.push(index, region);
  }
  return p;
}

/** Sets the cost of the innermost loop's point, and counts its instructions as nested in its parent's. */
function closeLoop(sites: Sites, regions: number[], ops: number): void {
  const nested = regions.pop() as number;
  const opened = regions.pop() as number;
  const site = regions.pop() as number;
  const inside = ops - opened;
  sites[site + 1] = Math.max(1, inside - nested);
  regions[regions.length - 1] = (regions[regions.length - 1] as number) + inside;
}

// 0: an opcode this table does not know, refused.
const NONE = 1;
const LEB = 2;
const LEB2 = 3;
const MEMARG = 4;
const SITE = 5;
const OTHER = 6;

/** What follows each opcode. */
const immediates = new Uint8Array(256);
// No immediate: control without labels, drop/select, ref.is_null/eq/as_non_null, all numeric operators.
for (const op of [0x00, 0x01, 0x05, 0x0a, 0x0b, 0x0f, 0x19, 0x1a, 0x1b, 0xd1, 0xd3, 0xd4]) immediates[op] = NONE;
for (let op = 0x45; op <= 0xc4; op++) immediates[op] = NONE;
// One LEB128: labels, function, local, table, type, tag and memory indices, i32/i64 constants, heap types.
for (const op of [
  0x07, 0x08, 0x09, 0x0c, 0x0d, 0x10, 0x12, 0x14, 0x15, 0x18, 0x20, 0x21, 0x22, 0x25, 0x26, 0x3f, 0x41, 0x42, 0xd0,
  0xd2, 0xd5, 0xd6,
])
  immediates[op] = LEB;
// call_indirect and return_call_indirect: a type and a table.
immediates[0x11] = LEB2;
immediates[0x13] = LEB2;
for (let op = 0x28; op <= 0x3e; op++) immediates[op] = MEMARG;
// memory.grow, global.get, global.set: what the memory budget rewrites.
for (const op of [0x40, 0x23, 0x24]) immediates[op] = SITE;
// Block types, br_table, typed select, try_table, f32/f64 constants, the 0xfc/0xfd/0xfe prefixes.
for (const op of [0x02, 0x03, 0x04, 0x06, 0x0e, 0x1c, 0x1f, 0x43, 0x44, 0xfc, 0xfd, 0xfe]) immediates[op] = OTHER;

function skipOther(bytes: Uint8Array, op: number, at: number): number {
  let p = at;
  switch (op) {
    case 0x02: // block, loop, if, try: a block type
    case 0x03:
    case 0x04:
    case 0x06:
      return skipBlockType(bytes, p);
    case 0x0e: {
      // br_table: a vector of labels and the default
      let count: number;
      [count, p] = readU32(bytes, p);
      for (let i = 0; i <= count; i++) p = skipLeb(bytes, p);
      return p;
    }
    case 0x1c: {
      // select with types
      let count: number;
      [count, p] = readU32(bytes, p);
      for (let i = 0; i < count; i++) p = skipValType(bytes, p);
      return p;
    }
    case 0x1f: {
      // try_table: a block type and a vector of catch clauses
      p = skipBlockType(bytes, p);
      let count: number;
      [count, p] = readU32(bytes, p);
      for (let i = 0; i < count; i++) {
        const kind = bytes[p++];
        if (kind === 0x00 || kind === 0x01) p = skipLeb(bytes, skipLeb(bytes, p));
        else if (kind === 0x02 || kind === 0x03) p = skipLeb(bytes, p);
        else malformed(`unknown catch clause ${kind}`);
      }
      return p;
    }
    case 0x43:
      return p + 4;
    case 0x44:
      return p + 8;
    case 0xfc:
      return skipMisc(bytes, p);
    case 0xfd:
      return skipSimd(bytes, p);
    case 0xfe:
      return skipAtomic(bytes, p);
  }
  if (op === 0xfb) return malformed('GC instructions are not supported');
  return malformed(`unknown instruction 0x${op.toString(16)}`);
}
function skipBlockType(bytes: Uint8Array, at: number): number {
  const byte = bytes[at];
  return byte === 0x63 || byte === 0x64 ? skipLeb(bytes, at + 1) : skipLeb(bytes, at);
}

/** align (bit 6 set: a memory index follows), then the offset. */
function skipMemarg(bytes: Uint8Array, at: number): number {
  // Bit 6 of the alignment is in its first byte (alignments are far below 64).
  const withMemory = ((bytes[at] as number) & 0x40) !== 0;
  const p = skipLeb(bytes, at);
  return skipLeb(bytes, withMemory ? skipLeb(bytes, p) : p);
}

/** The 0xfc prefix: saturating truncation, bulk memory and table instructions. */
function skipMisc(bytes: Uint8Array, at: number): number {
  const [sub, p] = readU32(bytes, at);
  if (sub <= 7) return p;
  if (sub === 8 || sub === 10 || sub === 12 || sub === 14) return skipLeb(bytes, skipLeb(bytes, p));
  if (sub === 9 || sub === 11 || sub === 13 || sub === 15 || sub === 16 || sub === 17) return skipLeb(bytes, p);
  return malformed(`unknown instruction 0xfc ${sub}`);
}

/** The 0xfd prefix: SIMD, including relaxed SIMD (up to 0x113). */
function skipSimd(bytes: Uint8Array, at: number): number {
  const [sub, p] = readU32(bytes, at);
  if (sub <= 11 || sub === 92 || sub === 93) return skipMemarg(bytes, p);
  if (sub === 12 || sub === 13) return p + 16;
  if (sub >= 21 && sub <= 34) return p + 1;
  if (sub >= 84 && sub <= 91) return skipMemarg(bytes, p) + 1;
  if (sub <= 0x113) return p;
  return malformed(`unknown instruction 0xfd ${sub}`);
}

/** The 0xfe prefix: atomics. */
function skipAtomic(bytes: Uint8Array, at: number): number {
  const [sub, p] = readU32(bytes, at);
  if (sub === 3) return p + 1;
  if (sub <= 2 || (sub >= 0x10 && sub <= 0x4e)) return skipMemarg(bytes, p);
  return malformed(`unknown instruction 0xfe ${sub}`);
}
