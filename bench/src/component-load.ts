/**
 * Child process of components.bench.ts: loads one component from a cache folder in a process of
 * its own and prints the times, so "from the disk cache in a new process" is measured in one.
 *
 *   node --import tsx src/component-load.ts <component.wasm> <cacheDir> <mode> [fuel]
 */
import { readFileSync } from 'node:fs';
import { createWasmHost } from '@keel/wasm-host';

const [file, cacheDir, mode, fuel] = process.argv.slice(2) as [string, string, 'in-thread' | 'isolated', string?];
const bytes = readFileSync(file);
const limits = { timeoutMs: 60_000, ...(fuel === 'fuel' ? { maxFuel: Number.MAX_SAFE_INTEGER } : {}) };
const host = createWasmHost({}, { cacheDir, logger: {}, limits });
const timed = async () => {
  const t0 = performance.now();
  const component = (await host.load(bytes, { mode }))._unsafeUnwrap();
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  (await component.call('greet', 'x'))._unsafeUnwrap();
  return { loadMs, firstCallMs: performance.now() - t1, from: component.loadedFrom };
};
const first = await timed();
const second = await timed();
console.log(JSON.stringify({ first, second }));
await host.close();
