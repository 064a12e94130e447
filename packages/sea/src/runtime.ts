import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addonCacheCandidates, chooseAddonCacheDir, makeFolder } from './addon-cache.js';
import { MANIFEST_KEY, type SeaManifest } from './sea-manifest.js';

export { SeaCacheError, type AddonCacheAttempt } from './addon-cache.js';

interface NodeSea {
  isSea(): boolean;
  getRawAsset(key: string): ArrayBuffer;
}

// `node:sea` through getBuiltinModule works the same from the ESM source and the CJS bundle.
const sea = (process as unknown as { getBuiltinModule(id: string): unknown }).getBuiltinModule('node:sea') as
  | NodeSea
  | undefined;
let manifest: SeaManifest | undefined;
let cacheDir: string | undefined;
const loaded = new Map<string, unknown>();

/** Whether this process is a single executable built by `keel sea`. */
export function isSea(): boolean {
  return sea?.isSea() === true;
}

function readManifest(): SeaManifest {
  manifest ??= JSON.parse(Buffer.from(rawAsset(MANIFEST_KEY)).toString('utf8')) as SeaManifest;
  return manifest;
}

function rawAsset(key: string): Uint8Array {
  if (!isSea()) throw new Error(`keel sea: asset '${key}' is only embedded in a single executable`);
  return new Uint8Array((sea as NodeSea).getRawAsset(key));
}

/**
 * The folder native addons are written to before loading, the first that works (created, and a
 * file written to it) of: `KEEL_SEA_CACHE`, `$XDG_CACHE_HOME/keel-sea` or `~/.cache/keel-sea`,
 * the temp folder, a `.keel-sea` folder beside the executable. Throws `SeaCacheError` naming
 * `KEEL_SEA_CACHE` and every folder tried when none works. Files are named by content hash,
 * so versions never clash.
 */
export function addonCacheDir(): string {
  cacheDir ??= chooseAddonCacheDir(addonCacheCandidates());
  return cacheDir;
}

/**
 * Run by the executable before the app: when it embeds native addons, picks their folder now,
 * so a missing one stops the start with the runtime's own error instead of surfacing inside
 * whatever loads the addon first (a database driver that would call it its own failure).
 */
export function prepareAddonCache(): void {
  if (isSea() && Object.keys(readManifest().addons).length > 0) addonCacheDir();
}

/**
 * Loads a native addon embedded by the builder. A native module cannot be loaded from memory,
 * so it is written once to the cache folder (atomically, verified by hash) and `process.dlopen`ed.
 * Called by the shims the builder puts in place of `bindings` and `node-gyp-build`.
 */
export function loadAddon(key: string): unknown {
  const cached = loaded.get(key);
  if (cached) return cached;
  const entry = readManifest().addons[key];
  if (!entry) throw new Error(`keel sea: no embedded addon '${key}'`);
  const dir = addonCacheDir();
  const file = join(dir, `${entry.sha256.slice(0, 16)}-${entry.file}`);
  if (!existsSync(file) || sha256(readFileSync(file)) !== entry.sha256) {
    const bytes = rawAsset(key);
    if (sha256(bytes) !== entry.sha256)
      throw new Error(`keel sea: embedded addon ${entry.file} does not match its hash`);
    makeFolder(dir); // again: a temp cleaner may have removed it since the start
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, bytes, { mode: 0o755 });
    renameSync(partial, file);
  }
  const module = { exports: {} as unknown };
  try {
    process.dlopen(module, file);
  } catch (error) {
    throw new Error(
      `keel sea: cannot load native addon ${entry.file} into Node ${process.version} (ABI ${process.versions.modules}): ${(error as Error).message}`,
      { cause: error },
    );
  }
  loaded.set(key, module.exports);
  return module.exports;
}

/**
 * Bytes of a file embedded with `--asset` (a wasm component, …), checked against the hash
 * recorded at build time. Outside a single executable, `devPath()` says where the file is.
 *
 * @example
 * const wasm = readAsset('plan-limit.wasm', () => new URL('../components/plan-limit.wasm', import.meta.url));
 */
export function readAsset(key: string, devPath: () => string | URL): Uint8Array {
  if (!isSea()) return new Uint8Array(readFileSync(devPath()));
  const expected = readManifest().assets[key];
  if (!expected)
    throw new Error(
      `keel sea: no embedded asset '${key}' (embedded: ${Object.keys(readManifest().assets).join(', ') || 'none'})`,
    );
  const bytes = rawAsset(key);
  if (sha256(bytes) !== expected) throw new Error(`keel sea: embedded asset '${key}' does not match its hash`);
  return bytes;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
