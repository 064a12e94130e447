import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/fixtures.js';

// The built package the way an app gets it: plain `node`, no source condition, resolving
// @keel/wasm-host (by its own name) and @keel/core from this package's folder.
const pkg = fileURLToPath(new URL('..', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const cache = tempDir();
afterAll(() => cache.remove());

function run(code: string, type: 'module' | 'commonjs') {
  return spawnSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd: pkg, encoding: 'utf8', timeout: 60_000 });
}

const script = (load: string) => `
  ${load}
  const results = [];
  for (const mode of ['isolated', 'in-thread']) {
    const host = createWasmHost({}, { cacheDir: ${JSON.stringify(cache.dir)}, mode, logger: {} });
    const c = (await host.load('fixtures/components/pure.wasm'))._unsafeUnwrap();
    results.push((await c.call('add', 40, 2))._unsafeUnwrap());
    await host.close();
  }
  console.log(JSON.stringify(results));`;

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('works from ESM, in both modes (the worker script is found next to the bundle)', () => {
    const child = run(script("import { createWasmHost } from '@keel/wasm-host';"), 'module');
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([42, 42]);
  });

  it('works from CommonJS', () => {
    const body = script("const { createWasmHost } = require('@keel/wasm-host');");
    const child = run(`(async () => { ${body} })()`, 'commonjs');
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([42, 42]);
  });
});
