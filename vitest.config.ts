import { defineConfig } from 'vitest/config';

// Tests import workspace packages through the `keel-source` export condition, so they run
// against `src/` without a build; one smoke test per package imports `dist` explicitly.
// `pnpm test:unit` runs two files at once even on 2 cores (vitest's default there is one): most
// tests wait on servers, child processes and disk, and two workers cut the run by about a third.
export default defineConfig({
  resolve: { conditions: ['keel-source'] },
  ssr: { resolve: { conditions: ['keel-source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
