import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SeaBuildError } from './sea-build-error.js';

/** A wasm component among the assets, transpiled for the executable. */
export interface TranspiledComponent {
  /** The asset it was made from. */
  readonly asset: string;
  readonly sha256: string;
  /** The asset key @keel/wasm-host looks for inside the executable. */
  readonly key: string;
  readonly data: Uint8Array;
}

/** The part of @keel/wasm-host used here: loaded from the app, never a dependency of this package. */
interface WasmHostModule {
  embeddableArtifacts(components: readonly Uint8Array[]): PromiseLike<{
    match<A>(
      ok: (artifacts: { key: string; sha256: string; data: Uint8Array }[]) => A,
      err: (error: { message: string; component?: string }) => A,
    ): A;
  }>;
}

/**
 * The `.wasm` assets that are components (by their preamble). Core modules are left alone: the
 * app instantiates them with `WebAssembly` as they are.
 */
export function componentAssets(assets: Readonly<Record<string, { path: string }>>): string[] {
  return Object.keys(assets).filter(
    (key) => key.endsWith('.wasm') && isComponentFile((assets[key] as { path: string }).path),
  );
}

/**
 * Where the app's @keel/wasm-host is, resolved from `root` as the app resolves it; `undefined`
 * when the app does not have it (it then runs its components some other way, or not at all).
 */
export function resolveWasmHost(root: string): string | undefined {
  try {
    return createRequire(join(root, 'package.json')).resolve('@keel/wasm-host');
  } catch {
    return undefined;
  }
}

/**
 * Transpiles the components with the app's own @keel/wasm-host (so that its artifacts carry the
 * fingerprint the host inside the executable expects), for embedding: inside the executable
 * there is no jco to transpile them at run time.
 */
export async function transpileComponents(
  wasmHost: string,
  assets: Readonly<Record<string, { path: string; sha256: string }>>,
  keys: readonly string[],
): Promise<TranspiledComponent[]> {
  const host = (await import(pathToFileURL(wasmHost).href)) as Partial<WasmHostModule>;
  if (typeof host.embeddableArtifacts !== 'function') {
    throw new SeaBuildError(`${wasmHost} has no embeddableArtifacts: upgrade @keel/wasm-host to embed wasm components`);
  }
  const entries = keys.map((key) => ({ key, ...(assets[key] as { path: string; sha256: string }) }));
  const result = await host.embeddableArtifacts(entries.map((e) => readFileSync(e.path)));
  // Identical files give one artifact, named after the first of them.
  const assetOf = (sha256: string | undefined) => entries.find((e) => e.sha256 === sha256)?.key;
  return result.match(
    (artifacts) =>
      artifacts.map((a) => ({ asset: assetOf(a.sha256) as string, sha256: a.sha256, key: a.key, data: a.data })),
    (error) => {
      throw new SeaBuildError(
        `the wasm component ${assetOf(error.component) ?? ''} cannot be transpiled: ${error.message}`,
      );
    },
  );
}

/** `\0asm`, version 0x0d, layer 1: a component, not a core module. */
function isComponentFile(path: string): boolean {
  const head = Buffer.alloc(8);
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, head, 0, 8, 0) === 8 && head.readUInt32BE(0) === 0x0061736d && head[6] === 1 && head[7] === 0;
  } finally {
    closeSync(fd);
  }
}
