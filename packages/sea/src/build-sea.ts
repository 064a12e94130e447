import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { checkAddonAbi } from './abi-check.js';
import { nativeAddonsPlugin, type CollectedAddon } from './native-addons-plugin.js';
import { SeaBuildError } from './sea-build-error.js';
import { MANIFEST_KEY, type SeaManifest } from './sea-manifest.js';
import { componentAssets, resolveWasmHost, transpileComponents, type TranspiledComponent } from './wasm-components.js';

export interface BuildSeaOptions {
  /** The app's entry file (TypeScript or JavaScript). */
  readonly entry: string;
  /** Where the executable is written. */
  readonly out: string;
  /** Files to embed, readable at run time with `readAsset(key)`; the key is the path relative to `root`. */
  readonly assets?: readonly string[];
  /** What asset keys are relative to. @default process.cwd() */
  readonly root?: string;
  /** The node binary to copy; addons must match its ABI. @default process.execPath */
  readonly node?: string;
  /** Strip debug symbols from the copied binary (smaller; stack traces of JS are unaffected). @default true */
  readonly strip?: boolean;
  /** Packages left out of the bundle (optional dependencies the app never loads). */
  readonly external?: readonly string[];
  /** Called as each step starts and ends. */
  readonly onProgress?: (event: SeaProgress) => void;
}

export interface SeaProgress {
  readonly step: number;
  readonly steps: number;
  readonly label: string;
  /** Set when the step finished, with how long it took. */
  readonly ms?: number;
}

export interface SeaResult {
  readonly out: string;
  readonly bytes: number;
  readonly bundleBytes: number;
  readonly addons: readonly { file: string; sha256: string }[];
  readonly assets: Readonly<Record<string, string>>;
  /**
   * The wasm components among the assets that were transpiled and embedded for @keel/wasm-host
   * (only when the app has it), by asset key and sha256.
   */
  readonly components: readonly { asset: string; sha256: string }[];
  readonly stripped: boolean;
  readonly ms: number;
}

const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const STEPS = [
  'Bundling the app to CommonJS',
  'Checking native addons against the node binary',
  'Hashing assets',
  'Preparing the SEA blob',
  'Copying the node binary',
  'Injecting the blob',
];
/** Where the transpiling step goes when the app runs wasm components through @keel/wasm-host. */
const TRANSPILE_STEP = 3;

/**
 * Builds one executable from an app: the app bundled to CommonJS with native addons and
 * assets embedded, injected into a copy of node (Node's single executable applications).
 *
 * @example
 * await buildSea({ entry: 'src/server.ts', out: 'dist/app', assets: ['components/plan.wasm'] });
 */
export async function buildSea(options: BuildSeaOptions): Promise<SeaResult> {
  const started = performance.now();
  const node = resolve(options.node ?? process.execPath);
  const root = resolve(options.root ?? process.cwd());
  const entry = resolve(options.entry);
  const out = resolve(options.out);
  if (!existsSync(entry)) throw new SeaBuildError(`the entry ${entry} does not exist`);
  if (!existsSync(node)) throw new SeaBuildError(`the node binary ${node} does not exist`);
  const paths = assetPaths(root, options.assets ?? []);
  // Components run through @keel/wasm-host need transpiling now: the executable has no jco.
  const components = componentAssets(paths);
  const wasmHost = components.length > 0 ? resolveWasmHost(root) : undefined;
  const steps = [...STEPS];
  if (wasmHost) steps.splice(TRANSPILE_STEP, 0, `Transpiling ${components.length} WebAssembly component(s)`);
  const work = mkdtempSync(join(tmpdir(), 'keel-sea-'));
  let step = 0;
  const run = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    const label = steps[step] as string;
    const at = performance.now();
    options.onProgress?.({ step: step + 1, steps: steps.length, label });
    const value = await fn();
    options.onProgress?.({ step: step + 1, steps: steps.length, label, ms: performance.now() - at });
    step++;
    return value;
  };
  try {
    const addons = new Map<string, CollectedAddon>();
    const bundle = join(work, 'app.cjs');
    await run(() => bundleApp(entry, bundle, addons, options.external ?? []));
    await run(() =>
      checkAddonAbi(
        node,
        [...addons.values()].map((a) => a.path),
      ),
    );
    const assets = await run(() => hashAssets(paths));
    const transpiled: TranspiledComponent[] = wasmHost
      ? await run(() => transpileComponents(wasmHost, assets, components))
      : [];
    const manifest: SeaManifest = {
      version: 1,
      addons: Object.fromEntries([...addons.values()].map((a) => [a.key, { file: a.file, sha256: a.sha256 }])),
      assets: Object.fromEntries(Object.entries(assets).map(([key, a]) => [key, a.sha256])),
    };
    const blob = join(work, 'app.blob');
    await run(() =>
      writeBlob(node, work, bundle, blob, manifest, addons, { ...assets, ...artifactFiles(work, transpiled) }),
    );
    mkdirSync(dirname(out), { recursive: true });
    const partial = `${out}.partial`;
    const stripped = await run(() => copyNode(node, partial, options.strip ?? true));
    await run(async () => {
      const { inject } = createRequire(import.meta.url)('postject') as {
        inject(file: string, name: string, data: Buffer, options: { sentinelFuse: string }): Promise<void>;
      };
      await inject(partial, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SENTINEL_FUSE });
      renameSync(partial, out);
    });
    return {
      out,
      bytes: statSync(out).size,
      bundleBytes: statSync(bundle).size,
      addons: [...addons.values()].map((a) => ({ file: a.file, sha256: a.sha256 })),
      assets: manifest.assets,
      components: transpiled.map((c) => ({ asset: c.asset, sha256: c.sha256 })),
      stripped,
      ms: performance.now() - started,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function bundleApp(
  entry: string,
  outfile: string,
  addons: Map<string, CollectedAddon>,
  external: readonly string[],
) {
  const result = await build({
    // The executable starts with the runtime's checks, then the app (imports run in order).
    stdin: {
      contents: `import ${JSON.stringify(START_MODULE)};\nimport ${JSON.stringify(APP_MODULE)};\n`,
      resolveDir: dirname(entry),
      sourcefile: 'keel-sea-main.js',
      loader: 'js',
    },
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'silent',
    external: [...external],
    plugins: [startPlugin(runtimeModule(), entry), nativeAddonsPlugin(addons, runtimeModule())],
    // ESM code reading import.meta.url keeps working once bundled to CommonJS.
    define: { 'import.meta.url': '__keel_sea_import_meta_url' },
    banner: { js: "const __keel_sea_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  }).catch((error: { errors?: { text: string; location?: { file: string; line: number } | null }[] }) => {
    const first = error.errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    const hint = first?.text.includes('Top-level await')
      ? '; a single executable starts a CommonJS script, so move top-level awaits into an async main() function'
      : '';
    throw new SeaBuildError(`bundling failed: ${first?.text ?? String(error)}${where}${hint}`);
  });
  if (result.errors.length > 0) throw new SeaBuildError(`bundling failed: ${result.errors[0]?.text}`);
}

const START_MODULE = 'keel-sea:start';
const APP_MODULE = 'keel-sea:app';

/**
 * The module the executable runs before the app: it picks the folder for native addons, and when
 * there is none, prints the runtime's error (naming KEEL_SEA_CACHE and each folder tried) and exits.
 */
function startPlugin(runtimePath: string, entry: string): Plugin {
  const contents = `try {
  require(${JSON.stringify(runtimePath)}).prepareAddonCache();
} catch (error) {
  if (!error || error.name !== 'SeaCacheError') throw error;
  process.stderr.write(error.message + '\\n');
  process.exit(1);
}
`;
  return {
    name: 'keel-sea-start',
    setup(build) {
      build.onResolve({ filter: /^keel-sea:start$/ }, () => ({ path: START_MODULE, namespace: 'keel-sea-start' }));
      // The app is imported for its side effects: kept even under a package.json saying `sideEffects: false`.
      build.onResolve({ filter: /^keel-sea:app$/ }, () => ({ path: entry, sideEffects: true }));
      build.onLoad({ filter: /.*/, namespace: 'keel-sea-start' }, () => ({
        contents,
        loader: 'js',
        resolveDir: dirname(runtimePath),
      }));
    },
  };
}

/** The runtime next to this file: `runtime.ts` when running from source, `runtime.js` from dist. */
function runtimeModule(): string {
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), here.endsWith('.ts') ? 'runtime.ts' : 'runtime.js');
}

/** Each asset's key (its path inside `root`) and file, checked before anything is built. */
function assetPaths(root: string, files: readonly string[]): Record<string, { path: string }> {
  const assets: Record<string, { path: string }> = {};
  for (const file of files) {
    const path = resolve(root, file);
    if (!existsSync(path)) throw new SeaBuildError(`the asset ${file} does not exist (looked in ${root})`);
    const key = relative(root, path).split('\\').join('/');
    if (key.startsWith('..'))
      throw new SeaBuildError(`the asset ${file} is outside ${root}; assets are keyed by their path inside it`);
    assets[key] = { path };
  }
  return assets;
}

function hashAssets(paths: Record<string, { path: string }>): Record<string, { path: string; sha256: string }> {
  return Object.fromEntries(
    Object.entries(paths).map(([key, { path }]) => [
      key,
      { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') },
    ]),
  );
}

/** The transpiled components written out for node's SEA config, which takes assets as files. */
function artifactFiles(work: string, transpiled: readonly TranspiledComponent[]): Record<string, { path: string }> {
  return Object.fromEntries(
    transpiled.map((component, i) => {
      const path = join(work, `component-${i}.artifact`);
      writeFileSync(path, component.data);
      return [component.key, { path }];
    }),
  );
}

function writeBlob(
  node: string,
  work: string,
  main: string,
  blob: string,
  manifest: SeaManifest,
  addons: Map<string, CollectedAddon>,
  assets: Record<string, { path: string }>,
) {
  const manifestFile = join(work, 'manifest.json');
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const config = {
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    // The code cache is made by the node that writes the blob, so it is only valid for that node.
    useCodeCache: node === process.execPath,
    assets: {
      [MANIFEST_KEY]: manifestFile,
      ...Object.fromEntries([...addons.values()].map((a) => [a.key, a.path])),
      ...Object.fromEntries(Object.entries(assets).map(([key, a]) => [key, a.path])),
    },
  };
  const configFile = join(work, 'sea-config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const child = spawnSync(node, ['--experimental-sea-config', configFile], {
    encoding: 'utf8',
    cwd: work,
    timeout: 120_000,
  });
  if (child.status !== 0)
    throw new SeaBuildError(`node could not prepare the SEA blob: ${(child.stderr || child.stdout).trim()}`);
}

/** Copies node, stripped of debug symbols when `strip` is on and the tool exists. Returns whether it stripped. */
function copyNode(node: string, to: string, strip: boolean): boolean {
  copyFileSync(node, to);
  chmodSync(to, 0o755);
  if (!strip || process.platform !== 'linux') return false;
  const stripped = spawnSync('strip', ['--strip-all', to], { encoding: 'utf8' });
  return stripped.status === 0;
}
