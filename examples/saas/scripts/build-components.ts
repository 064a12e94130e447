import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Builds `components/<name>.wasm` from `components/<name>.wat` (a core module) and
 * `components/<name>.wit` (its world) with jco's wasm-tools API (parse → embed → new), and
 * writes `components/manifest.json` with each one's sha256, which the app pins.
 *
 *   npx tsx scripts/build-components.ts           # rebuild
 *   npx tsx scripts/build-components.ts --check   # fail when a committed component differs
 */
export const componentNames = ['plan-limit', 'task-validate', 'task-route', 'task-enrich'] as const;
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export async function buildComponent(name: (typeof componentNames)[number]): Promise<Uint8Array> {
  // jco-transpile is @keel/wasm-host's optional peer, and its dev dependency in this repository: reach it there.
  const hostDir = dirname(createRequire(import.meta.url).resolve('@keel/wasm-host/package.json'));
  const wasmTools = join(hostDir, 'node_modules/@bytecodealliance/jco-transpile/');
  const pkg = JSON.parse(readFileSync(`${wasmTools}package.json`, 'utf8')) as { exports: Record<string, unknown> };
  const entry = resolveExport(pkg.exports['./wasm-tools']);
  const { parse, componentEmbed, componentNew } = (await import(pathToFileURL(wasmTools + entry).href)) as {
    parse(wat: string): Promise<Uint8Array>;
    componentEmbed(o: {
      binary: Uint8Array;
      witSource: string;
      world: string;
      stringEncoding: string;
    }): Promise<Uint8Array>;
    componentNew(binary: Uint8Array, adapters: unknown[]): Promise<Uint8Array>;
  };
  const core = await parse(readFileSync(here(`../components/${name}.wat`), 'utf8'));
  const embedded = await componentEmbed({
    binary: core,
    witSource: readFileSync(here(`../components/${name}.wit`), 'utf8'),
    world: name,
    stringEncoding: 'utf8',
  });
  return componentNew(embedded, []);
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function resolveExport(target: unknown): string {
  if (typeof target === 'string') return target;
  const t = target as Record<string, unknown>;
  return resolveExport(t.import ?? t.default ?? t.node);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  (async () => {
    const check = process.argv.includes('--check');
    const manifest: Record<string, { file: string; sha256: string; bytes: number }> = {};
    for (const name of componentNames) {
      const bytes = await buildComponent(name);
      const file = here(`../components/${name}.wasm`);
      manifest[name] = { file: `components/${name}.wasm`, sha256: sha256(bytes), bytes: bytes.byteLength };
      if (check) {
        if (sha256(readFileSync(file)) !== sha256(bytes))
          throw new Error(`${name}: the committed component differs from its source`);
      } else writeFileSync(file, bytes);
      console.log(`${name}: ${bytes.byteLength} bytes, sha256 ${sha256(bytes)}`);
    }
    if (!check) writeFileSync(here('../components/manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
