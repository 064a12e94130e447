/**
 * Loads of the JavaScript guest from a warm disk cache, each in a new process, for one or more
 * versions of wasm-host side by side (rounds interleaved, so machine load hits them alike).
 * Prints the min, median and p90 of each phase and of the whole `host.load` (on a shared machine
 * the min is the nearest to a quiet one).
 *
 *   npx tsx --conditions=keel-source src/component-load-ab.ts [rounds] [mode] [name=<wasm-host src>[@<node flag>,…] ...]
 *
 * Without versions it measures this checkout's wasm-host. Node flags after `@` go to that
 * version's processes (`lazy=../packages/wasm-host/src@--wasm-lazy-validation`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [roundsArg, modeArg, ...versionArgs] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 10);
const mode = modeArg ?? 'in-thread';
const pkg = dirname(fileURLToPath(import.meta.resolve('@keel/wasm-host/package.json')));
const versions = (versionArgs.length > 0 ? versionArgs : [`this=${join(pkg, 'src')}`]).map((v) => {
  const at = v.indexOf('=');
  const [src, flags] = v.slice(at + 1).split('@') as [string, string?];
  return { name: v.slice(0, at), src, flags: flags ? flags.split(',') : [] };
});
const { jsGuestPath } = (await import(join(pkg, 'fixtures', 'js-guest', 'build-js-guest.ts'))) as {
  jsGuestPath: () => Promise<string>;
};
const guest = await jsGuestPath();
const child = fileURLToPath(new URL('./component-load-phases.ts', import.meta.url));
const run = (v: (typeof versions)[number], dir: string, what: 'phases' | 'host' | 'cold') =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [...v.flags, '--conditions=keel-source', '--import', 'tsx', child, v.src, guest, dir, mode, what],
      { encoding: 'utf8' },
    ).trim(),
  ) as Record<string, number>;

const dirs = versions.map(() => mkdtempSync(join(tmpdir(), 'keel-load-ab-')));
const samples = versions.map(() => new Map<string, number[]>());
const keep = (i: number, t: Record<string, number>) => {
  for (const [k, v] of Object.entries(t)) samples[i]?.set(k, [...(samples[i]?.get(k) ?? []), v]);
};
try {
  // Warm each cache: a cold load (transpile, rewrite), then one from disk that is not counted.
  for (const [i, v] of versions.entries()) run(v, dirs[i] as string, 'cold');
  for (const [i, v] of versions.entries()) run(v, dirs[i] as string, 'host');
  for (let r = 0; r < rounds; r++) {
    for (const [i, v] of versions.entries()) {
      keep(i, run(v, dirs[i] as string, 'phases'));
      keep(i, run(v, dirs[i] as string, 'host'));
    }
  }
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;
console.log(`js-guest from the disk cache, new process each, ${mode}, ${rounds} rounds: min / median / p90 ms`);
const keys = [...(samples[0]?.keys() ?? [])];
console.log(`| phase | ${versions.map((v) => v.name).join(' | ')} |`);
console.log(`|---|${versions.map(() => '---').join('|')}|`);
for (const key of keys) {
  const cells = samples.map((s) => {
    const sorted = [...(s.get(key) ?? [])].sort((a, b) => a - b);
    return `${at(sorted, 0).toFixed(0)} / ${at(sorted, 0.5).toFixed(0)} / ${at(sorted, 0.9).toFixed(0)}`;
  });
  console.log(`| ${key} | ${cells.join(' | ')} |`);
}
