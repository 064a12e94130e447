/** The preamble of a component binary: `\0asm`, version 0x0d, layer 1. */
export function isComponent(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 8 &&
    bytes[0] === 0 &&
    bytes[1] === 0x61 &&
    bytes[2] === 0x73 &&
    bytes[3] === 0x6d &&
    bytes[6] === 1 &&
    bytes[7] === 0
  );
}

/** The preamble of a core module: `\0asm`, version 1, layer 0. */
export function isCoreModule(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[4] === 1 && bytes[6] === 0 && bytes[7] === 0
  );
}
