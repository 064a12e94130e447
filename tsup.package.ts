import { defineConfig, type Options } from 'tsup';

/** The build every Keel package shares: ESM and CommonJS with declarations, for Node 20. */
export function packageBuild(overrides: Options = {}) {
  return defineConfig({
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    ...overrides,
  });
}
