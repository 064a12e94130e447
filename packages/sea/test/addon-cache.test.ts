import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SeaCacheError, addonCacheCandidates, chooseAddonCacheDir } from '../src/addon-cache.js';

// Real folders. Permission bits do not stop root, so an unusable folder is one under a regular
// file (ENOTDIR), which fails for every user.
const work = mkdtempSync(join(tmpdir(), 'keel-sea-cache-'));
const file = join(work, 'a-file');
writeFileSync(file, '');
const user = process.getuid?.() ?? 'user';

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the folder for native addons', () => {
  it('is looked for in KEEL_SEA_CACHE, the XDG cache, the temp folder, then beside the executable', () => {
    const env = { KEEL_SEA_CACHE: '/srv/cache', XDG_CACHE_HOME: '/xdg', HOME: '/home/ada' };
    expect(addonCacheCandidates(env, '/opt/app/server').map((c) => [c.source, c.dir])).toEqual([
      ['KEEL_SEA_CACHE', '/srv/cache'],
      ['$XDG_CACHE_HOME/keel-sea', '/xdg/keel-sea'],
      ['the temp folder', join(tmpdir(), `keel-sea-${user}`)],
      ['beside the executable', '/opt/app/.keel-sea'],
    ]);
    // Without XDG_CACHE_HOME (or with a relative one, which the XDG spec says to ignore): ~/.cache.
    expect(addonCacheCandidates({ HOME: '/home/ada', XDG_CACHE_HOME: 'rel' }, '/opt/app/server')[0]).toEqual({
      source: '$HOME/.cache/keel-sea',
      dir: '/home/ada/.cache/keel-sea',
    });
  });

  it('is the first candidate that can really be created and written to', () => {
    const usable = join(work, 'usable', 'keel-sea');
    const dir = chooseAddonCacheDir([
      { source: 'KEEL_SEA_CACHE', dir: join(file, 'cache') },
      { source: '$HOME/.cache/keel-sea', dir: join(file, 'home', '.cache', 'keel-sea') },
      { source: 'the temp folder', dir: usable, shared: true },
      { source: 'beside the executable', dir: join(work, 'beside') },
    ]);
    expect(dir).toBe(usable);
    expect(readdirSync(usable)).toEqual([]); // the write test leaves nothing behind
    expect(existsSync(join(work, 'beside'))).toBe(false);
  });

  it('names KEEL_SEA_CACHE and every folder tried when none works', () => {
    const env = { KEEL_SEA_CACHE: join(file, 'cache'), HOME: join(file, 'home') };
    // The temp folder comes from TMPDIR, read by os.tmpdir(): moved under the file as well.
    const candidates = addonCacheCandidates(env, join(file, 'bin', 'app')).map((c) =>
      c.shared ? { ...c, dir: join(file, 'tmp') } : c,
    );
    let error: unknown;
    try {
      chooseAddonCacheDir(candidates);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SeaCacheError);
    const { code, message, tried } = error as SeaCacheError;
    expect(code).toBe('SEA_CACHE_UNAVAILABLE');
    expect(message).toMatch(/^keel sea: no folder to write native addons to; set KEEL_SEA_CACHE to a folder/);
    expect(tried.map((t) => t.dir)).toEqual([
      join(file, 'cache'),
      join(file, 'home', '.cache', 'keel-sea'),
      join(file, 'tmp'),
      join(file, 'bin', '.keel-sea'),
    ]);
    for (const t of tried) expect(message).toContain(`${t.source}: ${t.dir}: `);
    expect(tried.every((t) => /ENOTDIR|EEXIST/.test(t.reason))).toBe(true);
  });

  it("gives up on folders where Node's recursive mkdir spins forever: a dangling link, a path in /proc", () => {
    // In a child process: were it to spin, the test fails on the timeout instead of hanging the run.
    const dangling = join(work, 'dangling');
    symlinkSync(join(work, 'gone'), dangling);
    const dirs = [
      join(dangling, 'keel-sea'),
      ...(process.platform === 'linux' ? ['/proc/keel-sea-test/keel-sea'] : []),
    ];
    const module = fileURLToPath(new URL('../src/addon-cache.ts', import.meta.url));
    const code = `const { chooseAddonCacheDir } = await import(${JSON.stringify(module)});
      try { chooseAddonCacheDir(${JSON.stringify(dirs.map((dir) => ({ source: 'x', dir })))}); }
      catch (error) { console.log(JSON.stringify(error.tried.map((t) => t.reason.split(':')[0]))); }`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(child.signal).toBe(null);
    expect(JSON.parse(child.stdout)).toEqual(['EEXIST', 'ENOENT'].slice(0, dirs.length));
  });

  it('refuses a shared temp folder that another user planted: writable by others, or a link', () => {
    // The attack: another user creates the per-user temp folder first, then swaps the addon file
    // between the runtime's hash check and its dlopen. Such a folder must never be used.
    const planted = join(work, 'planted');
    mkdirSync(planted);
    chmodSync(planted, 0o777);
    const mine = join(work, 'mine');
    mkdirSync(mine, { mode: 0o700 });
    const link = join(work, 'link');
    symlinkSync(mine, link);
    const fallback = join(work, 'fallback');
    const choose = (dir: string) =>
      chooseAddonCacheDir([
        { source: 'the temp folder', dir, shared: true },
        { source: 'beside the executable', dir: fallback },
      ]);
    expect(choose(planted)).toBe(fallback);
    expect(choose(link)).toBe(fallback);
    expect(choose(mine)).toBe(mine);
    // Not shared (KEEL_SEA_CACHE, chosen by the user): taken as it is.
    expect(chooseAddonCacheDir([{ source: 'KEEL_SEA_CACHE', dir: planted }])).toBe(planted);
    let error: SeaCacheError | undefined;
    try {
      chooseAddonCacheDir([{ source: 'the temp folder', dir: planted, shared: true }]);
    } catch (caught) {
      error = caught as SeaCacheError;
    }
    expect(error?.tried[0]?.reason).toBe('other users can write to it (mode 777)');
  });

  it.runIf(process.getuid?.() === 0)('refuses a shared temp folder owned by another user', () => {
    const theirs = join(work, 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    const fallback = join(work, 'fallback-2');
    expect(
      chooseAddonCacheDir([
        { source: 'the temp folder', dir: theirs, shared: true },
        { source: 'beside the executable', dir: fallback },
      ]),
    ).toBe(fallback);
  });
});
