import { malformed, readU32, skipLeb, skipValType } from './wasm-binary.js';

/**
 * A site the memory budget rewrites: a `memory.grow` (0x40) or a `global.get`/`global.set`
 * (0x23/0x24), with where its index immediate lies.
 */
export interface Site {
  readonly opcode: 0x40 | 0x23 | 0x24;
  /** The memory or global index. */
  readonly index: number;
  /** Where the opcode byte is, and where its index immediate ends. */
  readonly at: number;
  readonly end: number;
}

/**
 * Decodes the instructions in `bytes[start, end)` and reports every `memory.grow`, `global.get`
 * and `global.set`. Without `end` it reads one constant expression: up to and including its
 * `end` opcode. Returns where it stopped.
 *
 * Every immediate of every opcode is decoded, so no byte of an immediate is ever taken for an
 * opcode; an opcode this table does not know (GC, or a proposal newer than it) is refused
 * rather than skipped, since a wrong length would hide the rest of the function from it.
 */
export function scanInstructions(
  bytes: Uint8Array,
  start: number,
  end: number | undefined,
  site: (s: Site) => void,
): number {
  let p = start;
  const limit = end ?? bytes.byteLength;
  while (p < limit) {
    const at = p;
    const op = bytes[p++] as number;
    if (op === 0x40 || op === 0x23 || op === 0x24) {
      const [index, next] = readU32(bytes, p);
      p = next;
      site({ opcode: op, index, at, end: p });
    } else if (op === 0x0b && end === undefined) {
      return p;
    } else {
      p = skipImmediates(bytes, op, p);
    }
  }
  if (p !== limit) malformed('an instruction runs past the end of its function');
  return p;
}

/** Opcodes with no immediate. */
const bare = new Set([0x00, 0x01, 0x05, 0x0a, 0x0b, 0x0f, 0x19, 0x1a, 0x1b, 0xd1, 0xd3, 0xd4]);
/** Opcodes with one LEB128 immediate: labels, function, local, table, type, tag and memory indices. */
const oneIndex = new Set([
  0x07, 0x08, 0x09, 0x0c, 0x0d, 0x10, 0x12, 0x14, 0x15, 0x18, 0x20, 0x21, 0x22, 0x25, 0x26, 0x3f, 0xd0, 0xd2, 0xd5,
  0xd6,
]);

function skipImmediates(bytes: Uint8Array, op: number, at: number): number {
  let p = at;
  if (bare.has(op) || (op >= 0x45 && op <= 0xc4)) return p;
  if (oneIndex.has(op)) return skipLeb(bytes, p);
  switch (op) {
    case 0x02: // block, loop, if, try: a block type
    case 0x03:
    case 0x04:
    case 0x06:
      return skipBlockType(bytes, p);
    case 0x11: // call_indirect, return_call_indirect: type and table
    case 0x13:
      return skipLeb(bytes, skipLeb(bytes, p));
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
    case 0x41: // i32.const, i64.const
    case 0x42:
      return skipLeb(bytes, p);
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
  if (op >= 0x28 && op <= 0x3e) return skipMemarg(bytes, p);
  if (op === 0xfb) return malformed('GC instructions are not supported');
  return malformed(`unknown instruction 0x${op.toString(16)}`);
}

function skipBlockType(bytes: Uint8Array, at: number): number {
  const byte = bytes[at];
  return byte === 0x63 || byte === 0x64 ? skipLeb(bytes, at + 1) : skipLeb(bytes, at);
}

/** align (bit 6 set: a memory index follows), then the offset. */
function skipMemarg(bytes: Uint8Array, at: number): number {
  const [align, p] = readU32(bytes, at);
  return skipLeb(bytes, align & 0x40 ? skipLeb(bytes, p) : p);
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
