import type { Options } from 'tsup';

/**
 * The build every Keel package shares: ESM only (Node ≥ 20.19 can `require()` it, so there is
 * one copy of each module whichever way an app loads it), declarations, and source maps that
 * point at the published files without embedding the sources.
 */
export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    esbuildOptions(options) {
      options.sourcesContent = false;
    },
    ...overrides,
  };
}
