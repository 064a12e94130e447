import { fileURLToPath } from 'node:url';
import { buildSea } from '@keel/sea';
import { planLimitAsset } from '../src/plan-limit.js';
import { intakeAssets } from '../src/task-intake.js';

/**
 * Builds the example as one executable: `pnpm --filter @keel/example-saas build:sea`
 * (or `tsx scripts/build-sea.ts [out]`). Both config profiles are bundled (imported JSON); the
 * plan-limit and task-intake components are embedded, and transpiled for the host inside by `keel sea`.
 */
export async function buildSaasSea(out: string, onProgress?: (line: string) => void) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  return buildSea({
    entry: fileURLToPath(new URL('../src/main.ts', import.meta.url)),
    out,
    root,
    assets: [planLimitAsset, ...intakeAssets],
    onProgress: (e) =>
      onProgress?.(`[${e.step}/${e.steps}] ${e.label}${e.ms === undefined ? '' : ` ✓ ${(e.ms / 1000).toFixed(1)}s`}`),
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? fileURLToPath(new URL('../dist/keel-saas', import.meta.url));
  buildSaasSea(out, (line) => console.log(line)).then(
    (r) =>
      console.log(
        `Built ${r.out}: ${(r.bytes / 1e6).toFixed(1)} MB (bundle ${(r.bundleBytes / 1e6).toFixed(1)} MB, ${r.addons.length} native addon(s): ${r.addons.map((a) => a.file).join(', ')}; ` +
          `${r.components.length} wasm component(s) transpiled: ${r.components.map((c) => c.asset).join(', ')}) in ${(r.ms / 1000).toFixed(1)}s`,
      ),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
