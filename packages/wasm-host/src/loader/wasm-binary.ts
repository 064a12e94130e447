/**
 * Reading and writing the pieces of the core WebAssembly binary format that the host rewrites:
 * LEB128 numbers, sections, and the error a module the host cannot take raises.
 */

/** Why a core module was refused; `code` is what the load fails with. */
export class CoreModuleError extends Error {
  override readonly name = 'CoreModuleError';
  constructor(
    /** `MEMORY_LIMIT`: a module starts above the cap; `MALFORMED`: one the host cannot read or rewrite. */
    readonly code: 'MEMORY_LIMIT' | 'MALFORMED',
    message: string,
  ) {
    super(message);
  }
}

export const malformed = (message: string): never => {
  throw new CoreModuleError('MALFORMED', message);
};

/** An unsigned LEB128 number up to 2^35 (u32 fields) and the position after it. */
export function readU32(bytes: Uint8Array, at: number): [number, number] {
  let result = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    if (p >= bytes.byteLength) malformed('truncated LEB128 number');
    const byte = bytes[p++] as number;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, p];
    shift += 7;
    if (shift > 35) malformed('LEB128 number too long');
  }
}

/** The position after any LEB128 number (signed or unsigned, up to 64 bits), without its value. */
export function skipLeb(bytes: Uint8Array, at: number): number {
  let p = at;
  for (let i = 0; i < 10; i++) {
    if (p >= bytes.byteLength) malformed('truncated LEB128 number');
    if (((bytes[p++] as number) & 0x80) === 0) return p;
  }
  return malformed('LEB128 number too long');
}

export function writeU32(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return out;
}

/** A length-prefixed name or byte vector: the position after it. */
export function skipName(bytes: Uint8Array, at: number): number {
  const [length, p] = readU32(bytes, at);
  if (p + length > bytes.byteLength) malformed('a name runs past its section');
  return p + length;
}

export interface Section {
  readonly id: number;
  /** The section's contents, without its id and size. */
  readonly body: Uint8Array;
}

/** The sections of a core module (version 1), in order; throws `MALFORMED` for anything else. */
export function readSections(bytes: Uint8Array): Section[] {
  if (
    bytes.byteLength < 8 ||
    bytes[0] !== 0 ||
    bytes[1] !== 0x61 ||
    bytes[2] !== 0x73 ||
    bytes[3] !== 0x6d ||
    bytes[4] !== 1 ||
    bytes[5] !== 0 ||
    bytes[6] !== 0 ||
    bytes[7] !== 0
  ) {
    malformed('not a core WebAssembly module (version 1)');
  }
  const out: Section[] = [];
  let p = 8;
  while (p < bytes.byteLength) {
    const id = bytes[p++] as number;
    const [size, start] = readU32(bytes, p);
    const end = start + size;
    if (end > bytes.byteLength) malformed('a section runs past the end of the module');
    out.push({ id, body: bytes.subarray(start, end) });
    p = end;
  }
  return out;
}

/** A module from its sections. */
export function writeModule(sections: readonly Section[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0)];
  for (const { id, body } of sections) parts.push(Uint8Array.from([id, ...writeU32(body.byteLength)]), body);
  return Buffer.concat(parts);
}

/** A value type (`0x63`/`0x64` reference types carry a heap type): the position after it. */
export function skipValType(bytes: Uint8Array, at: number): number {
  const byte = bytes[at];
  if (byte === undefined) return malformed('truncated value type');
  return byte === 0x63 || byte === 0x64 ? skipLeb(bytes, at + 1) : at + 1;
}

/** Memory or table limits (`flags min [max]`): the position after them. */
export function skipLimits(bytes: Uint8Array, at: number): number {
  const flags = bytes[at];
  if (flags === undefined) return malformed('truncated limits');
  const p = skipLeb(bytes, at + 1);
  return flags & 0x01 ? skipLeb(bytes, p) : p;
}
