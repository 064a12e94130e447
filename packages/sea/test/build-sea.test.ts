import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abiMessage } from '../src/abi-check.js';
import { SeaBuildError, buildSea, type SeaProgress, type SeaResult } from '../src/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'keel-sea-test-'));
let result: SeaResult;
const progress: SeaProgress[] = [];

beforeAll(async () => {
  result = await buildSea({
    entry: join(here, 'fixtures/app/main.ts'),
    out: join(work, 'build', 'app'),
    root: here,
    assets: ['fixtures/app/add.wasm'],
    onProgress: (event) => progress.push(event),
  });
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('buildSea', () => {
  it('embeds both native addons and the asset, reporting each step', () => {
    // better-sqlite3 through `bindings`, classic-level through `node-gyp-build`, argon2 through napi-rs.
    expect(result.addons.map((a) => a.file).sort()).toEqual([
      'argon2.linux-x64-gnu.node',
      'better_sqlite3.node',
      'classic-level.node',
    ]);
    expect(Object.keys(result.assets)).toEqual(['fixtures/app/add.wasm']);
    expect(progress.filter((p) => p.ms !== undefined).map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.bytes).toBeGreaterThan(result.bundleBytes);
  });

  it('runs alone in an empty folder, keeping its data across restarts', () => {
    const folder = mkdtempSync(join(work, 'alone-'));
    const binary = join(folder, 'app');
    copyFileSync(result.out, binary);
    execFileSync('chmod', ['+x', binary]);
    const env = { PATH: '/usr/bin:/bin', KEEL_SEA_CACHE: join(folder, '.cache') };
    const start = () => JSON.parse(execFileSync(binary, [], { cwd: folder, env, encoding: 'utf8', timeout: 30_000 }));
    expect(start()).toEqual({ sea: true, runs: 1, keys: 1, add: 5, argon2: true });
    expect(start()).toEqual({ sea: true, runs: 2, keys: 2, add: 5, argon2: true });
    // Nothing but the binary, its data and the addon cache: no node_modules anywhere.
    expect(readdirSync(folder).sort()).toEqual(['.cache', 'app', 'data']);
    expect(readdirSync(join(folder, '.cache')).filter((f) => f.endsWith('.node'))).toHaveLength(3);
  });

  it('with HOME unwritable (a system service), writes its addons to the temp folder', () => {
    const folder = mkdtempSync(join(work, 'no-home-'));
    const binary = join(folder, 'app');
    copyFileSync(result.out, binary);
    chmodSync(binary, 0o755);
    const tmp = join(folder, 'tmp');
    mkdirSync(tmp);
    // Root could create /nonexistent, so as root the app runs as `nobody`, for whom it cannot.
    const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (user.uid !== undefined) {
      chmodSync(work, 0o711);
      for (const dir of [folder, tmp]) chownSync(dir, user.uid, user.gid);
    }
    const env = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', TMPDIR: tmp };
    const out = execFileSync(binary, [], { cwd: folder, env, encoding: 'utf8', timeout: 30_000, ...user });
    expect(JSON.parse(out)).toEqual({ sea: true, runs: 1, keys: 1, add: 5, argon2: true });
    const cache = join(tmp, `keel-sea-${user.uid ?? process.getuid?.()}`);
    expect(readdirSync(cache).filter((f) => f.endsWith('.node'))).toHaveLength(3);
    expect(existsSync('/nonexistent')).toBe(false);
  });

  it('stops before the app starts, naming KEEL_SEA_CACHE and each folder tried, when no folder works', () => {
    const folder = mkdtempSync(join(work, 'no-cache-'));
    const binary = join(folder, 'app');
    copyFileSync(result.out, binary);
    chmodSync(binary, 0o755);
    // Unusable for root too: folders under a regular file, and a file where `.keel-sea` would go.
    const file = join(folder, 'a-file');
    writeFileSync(file, '');
    writeFileSync(join(folder, '.keel-sea'), '');
    const env = {
      PATH: '/usr/bin:/bin',
      KEEL_SEA_CACHE: join(file, 'cache'),
      HOME: join(file, 'home'),
      TMPDIR: join(file, 'tmp'),
    };
    const run = spawnSync(binary, [], { cwd: folder, env, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^keel sea: no folder to write native addons to; set KEEL_SEA_CACHE to a folder/);
    const tried = [
      `KEEL_SEA_CACHE: ${join(file, 'cache')}: ENOTDIR`,
      `$HOME/.cache/keel-sea: ${join(file, 'home', '.cache', 'keel-sea')}: ENOTDIR`,
      `the temp folder: ${join(file, 'tmp', `keel-sea-${process.getuid?.()}`)}: ENOTDIR`,
      `beside the executable: ${join(folder, '.keel-sea')}: ENOTDIR`,
    ];
    for (const line of tried) expect(run.stderr).toContain(`  - ${line}`);
    // The runtime's own words, not a database's: the app never started (no `data` folder, no stack).
    expect(run.stderr).not.toMatch(/sqlite|\n\s+at /i);
    expect(readdirSync(folder).sort()).toEqual(['.keel-sea', 'a-file', 'app']);
  });

  it('refuses a missing entry and a missing asset with a clear error', async () => {
    await expect(buildSea({ entry: join(here, 'nope.ts'), out: join(work, 'x') })).rejects.toThrow(SeaBuildError);
    await expect(
      buildSea({
        entry: join(here, 'fixtures/app/main.ts'),
        out: join(work, 'x'),
        root: here,
        assets: ['missing.wasm'],
      }),
    ).rejects.toThrow(/the asset missing\.wasm does not exist/);
    expect(existsSync(join(work, 'x'))).toBe(false);
  });

  it('names both ABI versions when an addon does not match the node binary', () => {
    const loader =
      "The module '/x/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. " +
      'This version of Node.js requires NODE_MODULE_VERSION 127. Please try re-compiling or re-installing the module.';
    expect(abiMessage('/opt/node22/bin/node', '/x/better_sqlite3.node', loader)).toMatch(
      /^native addon better_sqlite3\.node was built for NODE_MODULE_VERSION 115, but \/opt\/node22\/bin\/node needs NODE_MODULE_VERSION 127/,
    );
  });

  it('runs the CLI with a progress display', () => {
    const cli = join(here, '../src/cli.ts');
    const usage = spawnSync(process.execPath, ['--import', 'tsx', cli, 'sea'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Usage: keel sea <entry> --out <file>');
  });
});
