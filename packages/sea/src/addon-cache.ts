import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** A folder the executable may write its native addons to, and why it is on the list. */
export interface AddonCacheCandidate {
  /** How the folder was found, as the error names it: `KEEL_SEA_CACHE`, `$XDG_CACHE_HOME`, … */
  readonly source: string;
  readonly dir: string;
  /** A folder other users can reach (the temp folder): it must be ours and writable by us alone. */
  readonly shared?: boolean;
}

/** A folder that was tried and could not be used, with the reason. */
export interface AddonCacheAttempt extends AddonCacheCandidate {
  readonly reason: string;
}

/**
 * No folder could hold the executable's native addons. Raised by the runtime before the app
 * starts, so it is never mistaken for the failure of whatever uses the addon (a database, …).
 */
export class SeaCacheError extends Error {
  override readonly name = 'SeaCacheError';
  readonly code = 'SEA_CACHE_UNAVAILABLE';
  constructor(readonly tried: readonly AddonCacheAttempt[]) {
    super(
      'keel sea: no folder to write native addons to; set KEEL_SEA_CACHE to a folder this user can write. Tried:\n' +
        tried.map((t) => `  - ${t.source}: ${t.dir}: ${t.reason}`).join('\n'),
    );
  }
}

/**
 * Where native addons may go, in order: `KEEL_SEA_CACHE`, the XDG cache (`$XDG_CACHE_HOME` or
 * `~/.cache`)/keel-sea, the temp folder, then a folder beside the executable.
 *
 * @example
 * addonCacheCandidates({ HOME: '/home/ada' }, '/opt/app/server').map((c) => c.dir);
 * // ['/home/ada/.cache/keel-sea', '/tmp/keel-sea-1000', '/opt/app/.keel-sea']
 */
export function addonCacheCandidates(
  env: NodeJS.ProcessEnv = process.env,
  executable: string = process.execPath,
): AddonCacheCandidate[] {
  const candidates: AddonCacheCandidate[] = [];
  if (env.KEEL_SEA_CACHE) candidates.push({ source: 'KEEL_SEA_CACHE', dir: resolve(env.KEEL_SEA_CACHE) });
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME))
    candidates.push({ source: '$XDG_CACHE_HOME/keel-sea', dir: join(env.XDG_CACHE_HOME, 'keel-sea') });
  else {
    const home = homeFolder(env);
    if (home) candidates.push({ source: '$HOME/.cache/keel-sea', dir: join(home, '.cache', 'keel-sea') });
  }
  // One folder per user: another user's folder of the same name is refused, not shared.
  const user = process.getuid?.() ?? 'user';
  candidates.push({ source: 'the temp folder', dir: join(tmpdir(), `keel-sea-${user}`), shared: true });
  candidates.push({ source: 'beside the executable', dir: join(dirname(executable), '.keel-sea') });
  return candidates;
}

/**
 * The first candidate that really works: created if missing, then a file written and removed in
 * it. Throws `SeaCacheError` naming every folder tried when none does.
 *
 * @example
 * const dir = chooseAddonCacheDir(addonCacheCandidates());
 */
export function chooseAddonCacheDir(candidates: readonly AddonCacheCandidate[]): string {
  const tried: AddonCacheAttempt[] = [];
  for (const candidate of candidates) {
    const reason = unusable(candidate);
    if (reason === undefined) return candidate.dir;
    tried.push({ ...candidate, reason });
  }
  throw new SeaCacheError(tried);
}

/** Why a folder cannot hold addons, or undefined when it can. */
function unusable({ dir, shared }: AddonCacheCandidate): string | undefined {
  try {
    makeFolder(dir);
    if (shared) {
      // Code is loaded from this folder: in a folder anyone can reach, a folder planted by
      // another user (or a link to one) would let them swap the addon between check and load.
      const stat = lstatSync(dir);
      if (!stat.isDirectory()) return 'not a folder (a link or a file is in the way)';
      const uid = process.getuid?.();
      if (uid !== undefined && stat.uid !== uid) return `owned by another user (uid ${stat.uid})`;
      if ((stat.mode & 0o022) !== 0) return `other users can write to it (mode ${(stat.mode & 0o777).toString(8)})`;
    }
    const probe = join(dir, `.write-test-${process.pid}-${randomBytes(4).toString('hex')}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdir spins forever where a parent exists but
 * its child reports ENOENT (a dangling link, a path in /proc, a stale mount); here each level
 * is created once and its error is final.
 *
 * @example
 * makeFolder('/home/ada/.cache/keel-sea');
 */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const level of missing) mkdirSync(level, { mode: 0o700 });
}

/** `os.homedir()` reads `$HOME`, else the user database, and throws when neither has one. */
function homeFolder(env: NodeJS.ProcessEnv): string | undefined {
  if (env.HOME) return env.HOME;
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}
