import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles a child-process script with the workspace's sources (the `keel-source` condition)
 * into one ESM file, so that each of the kill test's many processes starts in a fraction of
 * the time tsx needs to load the sources one by one. The drivers stay outside the bundle
 * (better-sqlite3 has a native addon), imported from where the adapters find them.
 */
export async function bundleChild(entry: URL): Promise<string> {
  const adapters = fileURLToPath(new URL('../../../', import.meta.url));
  const drivers: Record<string, string> = {
    'better-sqlite3': createRequire(join(adapters, 'adapter-sqlite/package.json')).resolve('better-sqlite3'),
    pg: createRequire(join(adapters, 'adapter-postgres/package.json')).resolve('pg'),
  };
  const outfile = join(mkdtempSync(join(tmpdir(), 'keel-events-child-')), 'child.mjs');
  await build({
    entryPoints: [fileURLToPath(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['keel-source'],
    // Bundled CommonJS dependencies call require().
    banner: {
      js: "import { createRequire as keelRequire } from 'node:module'; const require = keelRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'drivers',
        setup(b) {
          b.onResolve({ filter: /^(better-sqlite3|pg)$/ }, (a) => ({
            path: drivers[a.path] as string,
            external: true,
          }));
        },
      },
    ],
    logLevel: 'warning',
  });
  return outfile;
}
