/**
 * Child process: one load of a component from a warm disk cache, in a new process, split into
 * the host's phases, plus the same load through `host.load` in a second host. Run by
 * `component-load-ab.ts`; the host's internals are imported from `<src>` (a wasm-host `src`
 * folder), so two versions of the host can be compared on the same machine in the same minutes.
 *
 *   node --conditions=keel-source --import tsx src/component-load-phases.ts <src> <component.wasm> <cacheDir> <in-thread|isolated> [phases|host]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [src, file, dir, mode] = process.argv.slice(2) as [string, string, string, 'in-thread' | 'isolated'];
const from = async <T>(path: string) => (await import(pathToFileURL(join(src, path)).href)) as T;
// biome-ignore lint/suspicious/noExplicitAny: internals of two versions of the host, whichever their types
type Any = any;
const { ArtifactCache } = await from<Any>('loader/artifact-cache.ts');
const { CappedStore } = await from<Any>('loader/capped-store.ts');
const { ModuleCompiler } = await from<Any>('loader/module-compiler.ts');
const { sha256Hex } = await from<Any>('loader/integrity.ts');
const { evaluateGlue, instantiateGuest } = await from<Any>('sandbox/glue.js');
const { MemoryBudget } = await from<Any>('sandbox/memory-budget.js');
const { createWasiImports } = await from<Any>('sandbox/wasi.js');
const { createKeelImports } = await from<Any>('sandbox/keel-imports.js');
const { checkWorld } = await from<Any>('world/check-world.ts');
const { resolveLimits } = await from<Any>('wasm-host-options.ts');
const { createWasmHost } = await from<Any>('index.ts');

const bytes = readFileSync(file);
const t: Record<string, number> = {};
if (process.argv[6] === 'host' || process.argv[6] === 'cold') {
  // The whole load through the host (the compiled modules are shared in a process, so the
  // phases below would make it a second load).
  const host = createWasmHost({}, { cacheDir: dir, logger: {}, limits: { timeoutMs: 60_000 } });
  const t0 = performance.now();
  const component = (await host.load(bytes, { mode }))._unsafeUnwrap();
  t.load = performance.now() - t0;
  if (process.argv[6] === 'host' && component.loadedFrom !== 'disk')
    throw new Error(`not from disk: ${component.loadedFrom}`);
  await host.close();
} else {
  let at = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    t[name] = now - at;
    at = now;
  };
  // The phases, one after the other, as an in-thread load runs them.
  const hash = sha256Hex(bytes);
  lap('hash');
  const { artifact, source } = await new ArtifactCache({ dir, size: 8 }).get(bytes, hash);
  if (source !== 'disk') throw new Error(`not from disk: ${source}`);
  lap('entry');
  const limits = resolveLimits({ timeoutMs: 60_000 }, {});
  const modules = await new ModuleCompiler(8, new CappedStore(join(dir, 'capped'))).compile(artifact, limits);
  lap('compile');
  const instantiate = evaluateGlue(artifact.glue);
  lap('glue');
  const checked = checkWorld(artifact, undefined);
  const ctx = { env: [], tick: () => {}, charge: () => {}, output: () => {}, deadline: () => Infinity, maxBytes: 1e6 };
  const imports = {
    ...createWasiImports(ctx),
    ...createKeelImports(
      checked.plan.keel,
      () => () => undefined,
      () => {},
    ),
  };
  instantiateGuest(instantiate, modules, imports, new MemoryBudget(limits.maxMemoryPages));
  lap('instantiate');
  t.sum = Object.values(t).reduce((x, y) => x + y, 0);
}
console.log(JSON.stringify(t));
