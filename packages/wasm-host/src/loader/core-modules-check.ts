import type { Artifact } from './artifact.js';

/**
 * Whether every core module of `artifact` is a byte-for-byte part of `component`. jco takes the
 * core modules out of the component unchanged, so a transpiled form read back from a cache or an
 * executable must pass this; one that does not runs WebAssembly the pinned hash never covered.
 * (The glue is generated JavaScript with no such anchor: see "Artifacts are code" in the README.)
 */
export function coreModulesOf(artifact: Artifact, component: Uint8Array): boolean {
  const haystack = Buffer.from(component.buffer, component.byteOffset, component.byteLength);
  return Object.values(artifact.coreModules).every(
    (module) => haystack.indexOf(Buffer.from(module.buffer, module.byteOffset, module.byteLength)) >= 0,
  );
}
