import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { folderBytes } from './sizes.js';
import { run } from './run.js';

/** A package as `pnpm pack` made it, unpacked, with what is wrong with it. */
export interface Tarball {
  readonly name: string;
  readonly file: string;
  /** Where it was unpacked (the folder holding its package.json). */
  readonly dir: string;
  readonly manifest: PackedManifest;
  readonly packedBytes: number;
  readonly unpackedBytes: number;
  readonly problems: readonly string[];
}

export interface PackedManifest {
  readonly name: string;
  readonly private?: boolean;
  readonly exports?: unknown;
  readonly main?: string;
  readonly types?: string;
  readonly bin?: string | Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

/**
 * Packs every package under `packages/` with pnpm, as publishing would (publishConfig applied,
 * `workspace:` ranges replaced), into `dest`, and unpacks and checks each tarball.
 *
 * @example
 * const tarballs = await packAll('/repo', '/tmp/packs', 60_000);
 */
export async function packAll(repo: string, dest: string, timeoutMs: number): Promise<Tarball[]> {
  const pnpm = ['-y', 'pnpm@10.34.9', '-r', '--filter', './packages/**', 'pack', '--pack-destination', dest];
  await run('npx', pnpm, { cwd: repo, timeoutMs });
  const files = readdirSync(dest).filter((f) => f.endsWith('.tgz'));
  return Promise.all(files.map((file) => inspect(join(dest, file), timeoutMs)));
}

async function inspect(file: string, timeoutMs: number): Promise<Tarball> {
  const into = file.replace(/\.tgz$/, '');
  mkdirSync(into, { recursive: true });
  await run('tar', ['-xzf', file, '-C', into], { timeoutMs });
  const dir = join(into, 'package');
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackedManifest;
  return {
    name: manifest.name,
    file,
    dir,
    manifest,
    packedBytes: statSync(file).size,
    unpackedBytes: folderBytes(dir),
    problems: problems(dir, manifest),
  };
}

/** Everything a user would trip on: no LICENSE, exports to unshipped files, embedded sources. */
function problems(dir: string, manifest: PackedManifest): string[] {
  const found: string[] = [];
  if (!existsSync(join(dir, 'LICENSE'))) found.push('no LICENSE');
  const exported = targets(manifest.exports);
  if (JSON.stringify(manifest.exports ?? {}).includes('keel-source'))
    found.push('exports keep the keel-source condition');
  const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  for (const target of [...exported, ...bins, manifest.main, manifest.types]) {
    if (target === undefined) continue;
    if (/(^|\/)src\//.test(target)) found.push(`${target} points into src/`);
    else if (!target.includes('*') && !existsSync(join(dir, target))) found.push(`${target} is not in the tarball`);
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const)
    for (const [dep, range] of Object.entries(manifest[field] ?? {}))
      if (range.startsWith('workspace:')) found.push(`${field}.${dep} is still ${range}`);
  for (const map of files(dir).filter((f) => f.endsWith('.map'))) {
    const { sourcesContent } = JSON.parse(readFileSync(map, 'utf8')) as { sourcesContent?: (string | null)[] };
    if (sourcesContent?.some((s) => s !== null)) found.push(`${map.slice(dir.length + 1)} embeds its sources`);
  }
  return found;
}

/** Every file path an `exports` value can lead to, whatever the nesting of conditions. */
function targets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (Array.isArray(exports)) return exports.flatMap(targets);
  if (exports && typeof exports === 'object') return Object.values(exports).flatMap(targets);
  return [];
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
