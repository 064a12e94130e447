import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BundleChildOptions {
  /** Packages loaded from where they are installed rather than bundled: native addons and their drivers. */
  readonly external?: RegExp;
}

/**
 * A child-process script (TypeScript, importing workspace packages by their source) bundled once
 * into one ES module, so that each of the many processes a kill test starts costs a plain `node`
 * start (~0.1–0.2 s) instead of a TypeScript loader's (~1 s on 2 busy cores). Needs `esbuild`
 * (an optional peer). `remove()` deletes the bundle.
 *
 * @example
 * const child = await bundleChild(new URL('./fixtures/writer.ts', import.meta.url), { external: /^classic-level$/ });
 * spawn(process.execPath, [child.file, location]);
 */
export async function bundleChild(
  entry: URL,
  options: BundleChildOptions = {},
): Promise<{ file: string; remove(): void }> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'keel-child-'));
  const file = join(dir, 'child.mjs');
  const external = options.external;
  await build({
    entryPoints: [fileURLToPath(entry)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['keel-source'],
    logLevel: 'error',
    // Bundled CommonJS dependencies still require Node's own modules.
    banner: {
      js: "import { createRequire as __keelRequire } from 'node:module'; const require = __keelRequire(import.meta.url);",
    },
    plugins: external
      ? [
          {
            name: 'installed-packages',
            setup(b) {
              b.onResolve({ filter: external }, async (args) => {
                if (args.pluginData === 'installed') return undefined;
                const found = await b.resolve(args.path, {
                  kind: args.kind,
                  resolveDir: args.resolveDir,
                  pluginData: 'installed',
                });
                return { path: found.path, external: true };
              });
            },
          },
        ]
      : [],
  });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
