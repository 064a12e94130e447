import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The names of the given packages and of everything they depend on (dependencies, and the peers
 * and optional dependencies that are installed), as npm laid them out in an app's node_modules.
 *
 * @example
 * dependencyClosure('app/node_modules', ['@keel/core']); // Set { '@keel/core', 'neverthrow', 'tsyringe', 'tslib', … }
 */
export function dependencyClosure(nodeModules: string, roots: readonly string[]): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string, from: string) => {
    const dir = locate(name, from, nodeModules);
    if (!dir || seen.has(dir)) return;
    seen.add(dir);
    names.add(name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies'])
      for (const dep of Object.keys((manifest[field] as Record<string, string> | undefined) ?? {})) visit(dep, dir);
  };
  for (const root of roots) visit(root, nodeModules);
  return names;
}

/** Where Node would find `name` from a package folder: its own node_modules, then each parent's. */
function locate(name: string, from: string, top: string): string | undefined {
  for (let dir = from; dir.startsWith(top); dir = dirname(dir)) {
    const candidate = dir === top ? join(top, name) : join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === top) break;
  }
  return undefined;
}
