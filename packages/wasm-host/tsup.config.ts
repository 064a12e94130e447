import { defineConfig, type Options } from 'tsup';
import { dtsFromBuiltDependencies } from '../../tsup.package.js';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * The isolated-mode worker starts from source text, not from a file: inside a single executable
 * there is no file beside the module. The worker script is bundled on its own (ESM: it has
 * top-level await) and becomes the constant `__KEEL_GUEST_WORKER__` (see guest-worker-source.ts).
 * preview2-shim stays out of it: a `data:` module cannot resolve a package name, so the host
 * passes the shim's resolved URLs to the worker instead.
 */
const embedGuestWorker: EsbuildPlugin = {
  name: 'keel-embed-guest-worker',
  async setup(build) {
    const worker = await build.esbuild.build({
      entryPoints: ['src/sandbox/guest-worker.js'],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['@bytecodealliance/preview2-shim'],
      legalComments: 'none',
      logLevel: 'silent',
    });
    // Stack traces name the worker instead of repeating the whole data: URL.
    const source = `${worker.outputFiles[0]?.text}\n//# sourceURL=@keel/wasm-host/sandbox/guest-worker.js\n`;
    build.initialOptions.define = { ...build.initialOptions.define, __KEEL_GUEST_WORKER__: JSON.stringify(source) };
  },
};

/** Source maps point at the published files; the sources themselves are not shipped inside them. */
const noSourcesInMaps: Options['esbuildOptions'] = (options) => {
  options.sourcesContent = false;
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: dtsFromBuiltDependencies,
    // The transpiler's worker script below shares the folder; the two builds run at once.
    clean: ['!sandbox/**'],
    sourcemap: true,
    target: 'node20',
    esbuildOptions: noSourcesInMaps,
    esbuildPlugins: [embedGuestWorker],
  },
  {
    // The transpiler runs in a worker started from a file, found by sandboxUrl as it finds
    // src/sandbox/ from the sources. It needs jco on disk anyway, so a file costs nothing more.
    // ESM only (top-level await).
    entry: { 'transpile-worker': 'src/sandbox/transpile-worker.js' },
    outDir: 'dist/sandbox',
    format: ['esm'],
    splitting: false,
    clean: true,
    sourcemap: true,
    target: 'node20',
    esbuildOptions: noSourcesInMaps,
  },
]);
