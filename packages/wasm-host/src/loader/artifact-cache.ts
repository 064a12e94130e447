import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Artifact } from './artifact.js';
import { artifactFiles, artifactFromFiles, type ArtifactMeta } from './artifact-files.js';
import { coreModulesOf } from './core-modules-check.js';
import { EmbeddedArtifactError, readEmbedded, type PretranspiledArtifacts } from './embedded-artifacts.js';
import { artifactKey, transpileComponent, transpilerFingerprint } from './transpile.js';

export interface ArtifactCacheOptions {
  /** Where transpiled components are kept across processes; `false` keeps them in memory only. */
  readonly dir: string | false;
  /** How many artifacts the in-memory LRU keeps. */
  readonly size: number;
  /**
   * Pre-transpiled artifacts. When set they are the only source besides memory: the folder is
   * not read and nothing is transpiled (a single executable has no jco), so a component without
   * one fails with `EmbeddedArtifactError`. `inExecutable` only shapes that message.
   */
  readonly embedded?: { readonly store: PretranspiledArtifacts; readonly inExecutable: boolean } | undefined;
}

/** Where an artifact came from, for the execution log and the benchmark. */
export type ArtifactSource = 'memory' | 'embedded' | 'disk' | 'transpiled';

/**
 * Transpiles each component once per content hash: an in-memory LRU in front of an on-disk
 * directory, so neither a second load nor a second process transpiles again. Concurrent loads
 * of the same bytes share one transpilation. With pre-transpiled artifacts, those replace the
 * directory and the transpiler.
 *
 * The directory holds generated JavaScript the host runs, so it must be writable only by the
 * app's own user (like `node_modules`). Each entry lists its files' sha256 and is ignored (and
 * rebuilt) when they do not match: a torn or corrupted write never loads.
 */
export class ArtifactCache {
  private readonly memory = new Map<string, Artifact>();
  private readonly pending = new Map<string, Promise<{ artifact: Artifact; source: ArtifactSource }>>();

  constructor(private readonly options: ArtifactCacheOptions) {}

  /** Transpiled components held in memory now (at most `size`). */
  get entries(): number {
    return this.memory.size;
  }

  get(bytes: Uint8Array, hash: string): Promise<{ artifact: Artifact; source: ArtifactSource }> {
    const key = artifactKey(hash);
    const hit = this.memory.get(key);
    if (hit) {
      this.memory.delete(key);
      this.memory.set(key, hit);
      return Promise.resolve({ artifact: hit, source: 'memory' });
    }
    let loading = this.pending.get(key);
    if (!loading) {
      loading = this.load(key, bytes, hash).finally(() => this.pending.delete(key));
      this.pending.set(key, loading);
    }
    return loading;
  }

  private async load(
    key: string,
    bytes: Uint8Array,
    hash: string,
  ): Promise<{ artifact: Artifact; source: ArtifactSource }> {
    const { embedded } = this.options;
    let artifact: Artifact | undefined;
    let source: ArtifactSource;
    if (embedded) {
      artifact = readEmbedded(embedded.store, hash, embedded.inExecutable);
      if (!coreModulesOf(artifact, bytes)) {
        throw new EmbeddedArtifactError(
          `the pre-transpiled artifact of component ${hash} holds core modules that are not the component's`,
        );
      }
      source = 'embedded';
    } else {
      const dir = this.options.dir === false ? undefined : join(this.options.dir, key);
      artifact = dir ? await readEntry(dir, hash) : undefined;
      // An entry whose WebAssembly is not the component's is treated like a corrupted one.
      if (artifact && !coreModulesOf(artifact, bytes)) artifact = undefined;
      source = 'disk';
      if (!artifact) {
        artifact = await transpileComponent(bytes, hash);
        source = 'transpiled';
        if (dir) await writeEntry(dir, artifact).catch(() => undefined);
      }
    }
    this.memory.set(key, artifact);
    while (this.memory.size > this.options.size) this.memory.delete(this.memory.keys().next().value as string);
    return { artifact, source };
  }
}

interface EntryManifest extends ArtifactMeta {
  /** Relative path → sha256 of the file. */
  readonly files: Readonly<Record<string, string>>;
  /** Relative path → length, for core modules (entries written before it have none: they are hashed). */
  readonly lengths?: Readonly<Record<string, number>>;
}

async function readEntry(dir: string, hash: string): Promise<Artifact | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as EntryManifest;
    if (manifest.hash !== hash || manifest.fingerprint !== transpilerFingerprint()) return undefined;
    const files: Record<string, Uint8Array> = {};
    for (const [file, sum] of Object.entries(manifest.files)) {
      if (file.includes('..') || file.startsWith('/')) return undefined;
      const data = await readFile(join(dir, file));
      // A core module of the right length is compared byte for byte with the pinned component
      // (`coreModulesOf`), a stronger check than its sum: hashing it again (12 MB for a JS
      // guest) is skipped.
      const length = manifest.lengths?.[file];
      const checked = file.startsWith('core/') && length !== undefined;
      if (checked ? data.byteLength !== length : createHash('sha256').update(data).digest('hex') !== sum)
        return undefined;
      files[file] = data;
    }
    return artifactFromFiles(manifest, files);
  } catch {
    return undefined;
  }
}

async function writeEntry(dir: string, artifact: Artifact): Promise<void> {
  const files = artifactFiles(artifact);
  // Written beside the entry and renamed into place: readers see a whole entry or none.
  const staging = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const sums: Record<string, string> = {};
    const lengths: Record<string, number> = {};
    for (const [file, data] of Object.entries(files)) {
      await mkdir(dirname(join(staging, file)), { recursive: true, mode: 0o700 });
      await writeFile(join(staging, file), data, { mode: 0o600 });
      sums[file] = createHash('sha256').update(data).digest('hex');
      if (file.startsWith('core/')) lengths[file] = data.byteLength;
    }
    const manifest: EntryManifest = {
      fingerprint: transpilerFingerprint(),
      hash: artifact.hash,
      imports: artifact.imports,
      exports: artifact.exports,
      files: sums,
      lengths,
    };
    await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2), { mode: 0o600 });
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
