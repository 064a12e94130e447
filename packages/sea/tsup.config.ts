import { dtsFromBuiltDependencies } from '../../tsup.package.js';
import { defineConfig } from 'tsup';

// ESM only: the builder is a command-line tool, and the runtime is bundled into apps by esbuild.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', runtime: 'src/runtime.ts' },
  format: ['esm'],
  dts: dtsFromBuiltDependencies,
  clean: true,
  sourcemap: true,
  target: 'node20',
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
});
