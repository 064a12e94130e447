import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeaBuildError, abiMessage, buildSea, type SeaProgress, type SeaResult } from '../src/index.js';

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
