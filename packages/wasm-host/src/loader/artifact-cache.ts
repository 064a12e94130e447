import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Artifact } from './artifact.js';
import { artifactFiles, artifactFromFiles, type ArtifactMeta } from './artifact-files.js';
import { coreModuleRanges, coreModulesAt, coreModulesOf, type CoreModuleRanges } from './core-modules-check.js';
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
 * rebuilt) when they do not match: a torn or corrupted write never loads. Core modules are not
 * in it: an entry says where they are in the component, and a load takes them from its bytes.
 */
export class ArtifactCache {
  /** With `ranges` when the core modules are views of the bytes of the load that read them. */
  private readonly memory = new Map<string, { artifact: Artifact; ranges?: CoreModuleRanges }>();
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
      // Views onto this load's bytes, not an earlier caller's (which it may have reused since).
      const coreModules = hit.ranges && coreModulesAt(hit.ranges, bytes);
      const artifact = coreModules ? { ...hit.artifact, coreModules } : hit.artifact;
      return Promise.resolve({ artifact, source: 'memory' });
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
    let entry: { artifact: Artifact; ranges?: CoreModuleRanges } | undefined;
    let source: ArtifactSource;
    if (embedded) {
      const artifact = readEmbedded(embedded.store, hash, embedded.inExecutable);
      if (!coreModulesOf(artifact, bytes)) {
        throw new EmbeddedArtifactError(
          `the pre-transpiled artifact of component ${hash} holds core modules that are not the component's`,
        );
      }
      entry = { artifact };
      source = 'embedded';
    } else {
      const dir = this.options.dir === false ? undefined : join(this.options.dir, key);
      entry = dir ? await readEntry(dir, hash, bytes) : undefined;
      source = 'disk';
      if (!entry) {
        const artifact = await transpileComponent(bytes, hash);
        entry = { artifact };
        source = 'transpiled';
        if (dir) await writeEntry(dir, artifact, bytes).catch(() => undefined);
      }
    }
    this.memory.set(key, entry);
    while (this.memory.size > this.options.size) this.memory.delete(this.memory.keys().next().value as string);
    return { artifact: entry.artifact, source };
  }
}

interface EntryManifest extends ArtifactMeta {
  /** Relative path → sha256 of the file (the glue and the declarations). */
  readonly files: Readonly<Record<string, string>>;
  /**
   * Core module name → where it is in the component. Core modules are not kept as files: they
   * are parts of the component (jco takes them out unchanged), so a load slices the bytes it
   * was given, already hashed, instead of reading 12 MB and comparing them with the component.
   */
  readonly ranges: CoreModuleRanges;
}

/** The entry's artifact, its core modules views of `bytes`; `undefined` for a missing, damaged or older entry. */
async function readEntry(
  dir: string,
  hash: string,
  bytes: Uint8Array,
): Promise<{ artifact: Artifact; ranges: CoreModuleRanges } | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as EntryManifest;
    if (manifest.hash !== hash || manifest.fingerprint !== transpilerFingerprint()) return undefined;
    // An entry from a host that kept core modules as files has no ranges: it is transpiled again.
    if (typeof manifest.ranges !== 'object' || manifest.ranges === null) return undefined;
    const coreModules = coreModulesAt(manifest.ranges, bytes);
    if (!coreModules) return undefined;
    const files: Record<string, Uint8Array> = {};
    const read = Object.entries(manifest.files).map(async ([file, sum]) => {
      if (file.includes('..') || file.startsWith('/') || file.startsWith('core/')) throw new Error('bad entry');
      const data = await readFile(join(dir, file));
      if (createHash('sha256').update(data).digest('hex') !== sum) throw new Error('bad entry');
      files[file] = data;
    });
    await Promise.all(read);
    const artifact = artifactFromFiles(manifest, files);
    return artifact && { artifact: { ...artifact, coreModules }, ranges: manifest.ranges };
  } catch {
    return undefined;
  }
}

async function writeEntry(dir: string, artifact: Artifact, component: Uint8Array): Promise<void> {
  // Core modules that are not parts of the component cannot be kept as ranges: no entry, then.
  const ranges = coreModuleRanges(artifact, component);
  if (!ranges) return;
  const files = Object.entries(artifactFiles(artifact)).filter(([file]) => !file.startsWith('core/'));
  // Written beside the entry and renamed into place: readers see a whole entry or none.
  const staging = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const sums: Record<string, string> = {};
    for (const [file, data] of files) {
      await mkdir(dirname(join(staging, file)), { recursive: true, mode: 0o700 });
      await writeFile(join(staging, file), data, { mode: 0o600 });
      sums[file] = createHash('sha256').update(data).digest('hex');
    }
    const manifest: EntryManifest = {
      fingerprint: transpilerFingerprint(),
      hash: artifact.hash,
      imports: artifact.imports,
      exports: artifact.exports,
      files: sums,
      ranges,
    };
    await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2), { mode: 0o600 });
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
