/**
 * Puts a ceiling on what a core module may grow to, by rewriting the limits of the memories
 * and tables it defines. `WebAssembly.Memory` lives outside the JavaScript heap, so a worker's
 * `resourceLimits` does not bound it; a declared maximum does: `memory.grow` past it returns -1,
 * which guests turn into an allocation failure.
 */
export interface CoreLimits {
  /** The most 64 KiB pages any defined memory may have. */
  readonly maxMemoryPages: number;
  /** The most elements any defined table may have. */
  readonly maxTableElements: number;
}

export class CoreModuleError extends Error {
  override readonly name = 'CoreModuleError';
}

const SECTION_TABLE = 4;
const SECTION_MEMORY = 5;

/** New core-module bytes with every defined memory and table capped; other sections are copied as they are. */
export function capCoreModule(bytes: Uint8Array, limits: CoreLimits): Uint8Array {
  if (
    bytes.byteLength < 8 ||
    bytes[0] !== 0 ||
    bytes[1] !== 0x61 ||
    bytes[2] !== 0x73 ||
    bytes[3] !== 0x6d ||
    bytes[4] !== 1 ||
    bytes[5] !== 0
  ) {
    throw new CoreModuleError('not a core WebAssembly module (version 1)');
  }
  const out: Uint8Array[] = [bytes.subarray(0, 8)];
  let p = 8;
  while (p < bytes.byteLength) {
    const sectionStart = p;
    const id = bytes[p++] as number;
    const [size, start] = readU32(bytes, p);
    const end = start + size;
    if (end > bytes.byteLength) throw new CoreModuleError('a section runs past the end of the module');
    p = end;
    if (id === SECTION_MEMORY) out.push(section(id, capMemories(bytes.subarray(start, end), limits.maxMemoryPages)));
    else if (id === SECTION_TABLE)
      out.push(section(id, capTables(bytes.subarray(start, end), limits.maxTableElements)));
    else out.push(bytes.subarray(sectionStart, end));
  }
  return Buffer.concat(out);
}

function capMemories(body: Uint8Array, maxPages: number): number[] {
  let [count, q] = readU32(body, 0);
  const out = writeU32(count);
  for (let i = 0; i < count; i++) {
    const flags = body[q++] as number;
    if (flags & 0x04) throw new CoreModuleError('64-bit memories are not supported');
    if (flags & 0x08) throw new CoreModuleError('custom page sizes are not supported');
    let min: number;
    let max: number | undefined;
    [min, q] = readU32(body, q);
    if (flags & 0x01) [max, q] = readU32(body, q);
    if (min > maxPages) {
      throw new CoreModuleError(`the module starts with ${min} pages of memory, above the cap of ${maxPages}`);
    }
    out.push(flags | 0x01, ...writeU32(min), ...writeU32(max === undefined ? maxPages : Math.min(max, maxPages)));
  }
  return out;
}

function capTables(body: Uint8Array, maxElements: number): number[] {
  let [count, q] = readU32(body, 0);
  const out = writeU32(count);
  for (let i = 0; i < count; i++) {
    // A table with an initialiser expression (0x40 0x00) is not produced by component tooling.
    if (body[q] === 0x40) throw new CoreModuleError('tables with initialiser expressions are not supported');
    const refType = body[q++] as number;
    const flags = body[q++] as number;
    if (flags & 0x04) throw new CoreModuleError('64-bit tables are not supported');
    let min: number;
    let max: number | undefined;
    [min, q] = readU32(body, q);
    if (flags & 0x01) [max, q] = readU32(body, q);
    if (min > maxElements)
      throw new CoreModuleError(`a table starts with ${min} elements, above the cap of ${maxElements}`);
    out.push(
      refType,
      flags | 0x01,
      ...writeU32(min),
      ...writeU32(max === undefined ? maxElements : Math.min(max, maxElements)),
    );
  }
  return out;
}

function section(id: number, body: number[]): Uint8Array {
  return Uint8Array.from([id, ...writeU32(body.length), ...body]);
}

function readU32(bytes: Uint8Array, at: number): [number, number] {
  let result = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    if (p >= bytes.byteLength) throw new CoreModuleError('truncated LEB128 number');
    const byte = bytes[p++] as number;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, p];
    shift += 7;
    if (shift > 35) throw new CoreModuleError('LEB128 number too long');
  }
}

function writeU32(value: number): number[] {
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
