import type { Options } from 'tsup';

/**
 * The build every Keel package shares: ESM only (Node ≥ 20.19 can `require()` it, so there is
 * one copy of each module whichever way an app loads it), declarations, and source maps that
 * point at the published files without embedding the sources.
 */
/**
 * Declarations are built against the workspace packages' built declarations, not their sources
 * (the `keel-source` condition the base tsconfig sets for tests and editors): each package's
 * declaration build then compiles its own sources only, not again those of everything it imports.
 * `pnpm -r build` runs in dependency order, so those are there.
 */
export const dtsFromBuiltDependencies = { compilerOptions: { customConditions: [] } };

export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: dtsFromBuiltDependencies,
    clean: true,
    sourcemap: true,
    target: 'node20',
    esbuildOptions(options) {
      options.sourcesContent = false;
    },
    ...overrides,
  };
}
