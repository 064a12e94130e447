/**
 * Runs every `*.bench.ts` in this folder, or those whose names contain an argument:
 * `pnpm bench` or `pnpm bench kv-memory sqlite`.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = (await readdir(here))
  .filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((x) => f.includes(x))))
  .sort();
console.log(
  `Node ${process.version}, ${files.length} benchmark file(s). Ratios compare cases within one table of one run.`,
);
for (const file of files) {
  const module = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<void> };
  await module.run();
}
