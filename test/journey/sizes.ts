import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The bytes of every file under a folder (links not followed), as `du --apparent-size -b` counts them.
 *
 * @example
 * folderBytes('app/node_modules'); // 1234567
 */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : lstatSync(path).size;
  }
  return total;
}

/**
 * The installed packages of an app with their sizes, largest first: `@scope/name` or `name`
 * at the top of `node_modules` (nested copies count towards the package that holds them).
 */
export function packageSizes(nodeModules: string): { name: string; bytes: number }[] {
  const sizes: { name: string; bytes: number }[] = [];
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(nodeModules, entry.name);
    const names = entry.name.startsWith('@')
      ? readdirSync(path).map((inner) => `${entry.name}/${inner}`)
      : [entry.name];
    for (const name of names) sizes.push({ name, bytes: folderBytes(join(nodeModules, name)) });
  }
  return sizes.sort((a, b) => b.bytes - a.bytes);
}

/** `1.2 MB` (decimal, as npm and du -h --si print); `MiB` would be 1024². */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** `123.4 kB` (decimal). */
export function kilobytes(bytes: number): string {
  return `${(bytes / 1e3).toFixed(1)} kB`;
}
