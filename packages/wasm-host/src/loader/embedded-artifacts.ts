import { ResultAsync } from '@keel/core';
import { WasmHostError } from '../wasm-host-errors.js';
import type { Artifact } from './artifact.js';
import { ArtifactBlobError, decodeArtifactBlob, encodeArtifactBlob } from './artifact-blob.js';
import { isComponent } from './component-bytes.js';
import { sha256Hex } from './integrity.js';
import { artifactKey, transpileComponent, transpilerFingerprint } from './transpile.js';
import { TranspilerMissingError } from './transpiler.js';

/**
 * Pre-transpiled components by key, as `embeddableArtifacts` made them. A `Map` is one; inside a
 * single executable the host reads its assets.
 */
export interface PretranspiledArtifacts {
  get(key: string): Uint8Array | undefined;
}

/** One component, transpiled ahead of time: store `data` under `key`. */
export interface EmbeddableArtifact {
  /** `keel-wasm-host/<sha256>-<transpiler fingerprint>`: the asset key the host looks for. */
  readonly key: string;
  /** sha256 of the component's bytes. */
  readonly sha256: string;
  /** The artifact (glue, core modules, declarations, imports, exports), checksummed. */
  readonly data: Uint8Array;
}

/**
 * Transpiles components with jco now, for a host that will not: a single executable carries no
 * jco. `keel sea` calls it for the `.wasm` components among its assets and embeds the results;
 * the host inside finds them by the component's sha256. The pin and signature checks of
 * `host.load` still run on the component's real bytes. Same bytes twice give one artifact.
 * `MALFORMED` when one is not a component or jco refuses it; `TRANSPILER_MISSING` when
 * `@bytecodealliance/jco-transpile` (an optional peer dependency) is not installed.
 *
 * @example
 * const artifacts = (await embeddableArtifacts([readFileSync('plan.wasm')]))._unsafeUnwrap();
 * const host = createWasmHost(keel, { artifacts: new Map(artifacts.map((a) => [a.key, a.data])) });
 */
export function embeddableArtifacts(
  components: readonly Uint8Array[],
): ResultAsync<EmbeddableArtifact[], WasmHostError> {
  if (!Array.isArray(components) || components.some((c) => !(c instanceof Uint8Array))) {
    throw new TypeError('embeddableArtifacts: components must be an array of Uint8Array');
  }
  const fail = (component: string, message: string, cause?: unknown) =>
    new WasmHostError({
      code: 'MALFORMED',
      message: `${component}: ${message}`,
      op: 'embeddableArtifacts',
      component,
      cause,
    });
  return ResultAsync.fromPromise(
    (async () => {
      const out = new Map<string, EmbeddableArtifact>();
      for (const bytes of components) {
        const sha256 = sha256Hex(bytes);
        const key = embeddedKey(sha256);
        if (out.has(key)) continue;
        if (!isComponent(bytes)) throw fail(sha256, 'not a WebAssembly component');
        let artifact: Artifact;
        try {
          artifact = await transpileComponent(bytes, sha256);
        } catch (error) {
          if (error instanceof TranspilerMissingError) {
            throw new WasmHostError({
              code: error.code,
              message: error.message,
              op: 'embeddableArtifacts',
              cause: error,
            });
          }
          throw fail(sha256, `jco cannot transpile it: ${(error as Error).message}`, error);
        }
        out.set(key, { key, sha256, data: encodeArtifactBlob(artifact, transpilerFingerprint()) });
      }
      return [...out.values()];
    })(),
    (error) =>
      error instanceof WasmHostError
        ? error
        : new WasmHostError({
            code: 'INTERNAL',
            message: (error as Error).message,
            op: 'embeddableArtifacts',
            cause: error,
          }),
  );
}

/** Why a component's pre-transpiled artifact cannot be used; the host's load fails `UNAVAILABLE`. */
export class EmbeddedArtifactError extends Error {
  override readonly name = 'EmbeddedArtifactError';
}

/**
 * The artifact of the component with sha256 `hash`, from `store`. Throws `EmbeddedArtifactError`
 * when it is missing, damaged, made from other bytes or by another transpiler.
 * `inExecutable` only shapes the message.
 */
export function readEmbedded(store: PretranspiledArtifacts, hash: string, inExecutable: boolean): Artifact {
  const key = embeddedKey(hash);
  const blob = store.get(key);
  if (!blob) {
    throw new EmbeddedArtifactError(
      inExecutable
        ? `component ${hash} was not embedded in this executable (no asset ${key}); list its .wasm among the assets given to keel sea, which transpiles it with the app's own @keel/wasm-host`
        : `component ${hash} is not among the pre-transpiled artifacts (no key ${key}); this host does not transpile: make them with embeddableArtifacts from this version of @keel/wasm-host`,
    );
  }
  let decoded: ReturnType<typeof decodeArtifactBlob>;
  try {
    decoded = decodeArtifactBlob(blob);
  } catch (error) {
    if (error instanceof ArtifactBlobError)
      throw new EmbeddedArtifactError(`the pre-transpiled artifact ${key} is damaged: ${error.message}`);
    throw error;
  }
  if (decoded.artifact.hash !== hash || decoded.fingerprint !== transpilerFingerprint()) {
    throw new EmbeddedArtifactError(
      `the pre-transpiled artifact ${key} was made for component ${decoded.artifact.hash} by ${decoded.fingerprint}, not for ${hash} by ${transpilerFingerprint()}`,
    );
  }
  return decoded.artifact;
}

interface NodeSea {
  isSea(): boolean;
  getAsset(key: string): ArrayBuffer;
}

/**
 * The executable's assets when this process is a single executable, else `undefined`.
 * `node:sea` comes through getBuiltinModule, never an import: neither build nor an app's bundler
 * sees it, and plain Node never loads it.
 */
export function seaArtifacts(): PretranspiledArtifacts | undefined {
  const node = process as { getBuiltinModule?: (id: string) => unknown };
  const sea = node.getBuiltinModule?.('node:sea') as NodeSea | undefined;
  if (sea?.isSea() !== true) return undefined;
  return {
    get(key) {
      try {
        return new Uint8Array(sea.getAsset(key));
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_SINGLE_EXECUTABLE_APPLICATION_ASSET_NOT_FOUND') return undefined;
        throw error;
      }
    },
  };
}

function embeddedKey(hash: string): string {
  return `keel-wasm-host/${artifactKey(hash)}`;
}
