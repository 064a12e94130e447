import type { Artifact } from './artifact.js';

/** Where each core module sits in the component: `[offset, length]` by module name. */
export type CoreModuleRanges = Readonly<Record<string, readonly [number, number]>>;

/**
 * Whether every core module of `artifact` is a byte-for-byte part of `component`. jco takes the
 * core modules out of the component unchanged, so a transpiled form read back from a cache or an
 * executable must pass this; one that does not runs WebAssembly the pinned hash never covered.
 * (The glue is generated JavaScript with no such anchor: see "Artifacts are code" in the README.)
 */
export function coreModulesOf(artifact: Artifact, component: Uint8Array): boolean {
  return coreModuleRanges(artifact, component) !== undefined;
}

/** Where the artifact's core modules are in `component`; `undefined` when one is not part of it. */
export function coreModuleRanges(artifact: Artifact, component: Uint8Array): CoreModuleRanges | undefined {
  const haystack = Buffer.from(component.buffer, component.byteOffset, component.byteLength);
  const ranges: Record<string, readonly [number, number]> = {};
  for (const [name, module] of Object.entries(artifact.coreModules)) {
    const at = haystack.indexOf(Buffer.from(module.buffer, module.byteOffset, module.byteLength));
    if (at < 0) return undefined;
    ranges[name] = [at, module.byteLength];
  }
  return ranges;
}

/**
 * The core modules at `ranges` of `component`, as views (no copy, no read): they are parts of
 * the bytes this load hashed, so the pin covers them whatever `ranges` says. `undefined` when a
 * range is out of bounds or does not start with a core module's preamble (a damaged entry).
 */
export function coreModulesAt(ranges: CoreModuleRanges, component: Uint8Array): Record<string, Uint8Array> | undefined {
  const modules: Record<string, Uint8Array> = {};
  for (const [name, range] of Object.entries(ranges)) {
    const [offset, length] = Array.isArray(range) ? range : [];
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) return undefined;
    if (
      (offset as number) < 0 ||
      (length as number) < 8 ||
      (offset as number) + (length as number) > component.byteLength
    )
      return undefined;
    const module = component.subarray(offset, (offset as number) + (length as number));
    if (!PREAMBLE.every((byte, i) => module[i] === byte)) return undefined;
    modules[name] = module;
  }
  return modules;
}

/** `\0asm`, version 1, layer 0: how every core module starts. */
const PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
