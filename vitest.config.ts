import { defineConfig } from 'vitest/config';

// Tests import workspace packages through the `keel-source` export condition, so they run
// against `src/` without a build; one smoke test per package imports `dist` explicitly.
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
