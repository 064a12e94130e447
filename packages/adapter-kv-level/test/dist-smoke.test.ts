import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempFolders } from './temp-folders.js';

// The built package, the way an app gets it: plain `node`, no source condition. The package
// resolves itself by name from its own folder, and core from its dependencies.
const here = fileURLToPath(new URL('..', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const temp = tempFolders('dist');

function run(code: string, type: 'module' | 'commonjs') {
  return spawnSync(process.execPath, [`--input-type=${type}`, '-e', code], {
    cwd: here,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

const script = (load: string, location: string) => `
  ${load}
  const kv = createLevelKv({ location: ${JSON.stringify(location)} });
  await kv.set('k', 42n, { ttlMs: 60000 });
  const value = (await kv.get('k'))._unsafeUnwrap();
  await kv.close();
  // Through the container, naming the module (config picks the adapter).
  const keel = (await createKeel({ kv: { adapter: 'level', module: '@keel/adapter-kv-level', export: 'createLevelKv', options: { location: ${JSON.stringify(location)} } } }, { env: false }))._unsafeUnwrap();
  const again = (await keel.kv.get('k'))._unsafeUnwrap();
  await keel.close();
  console.log(JSON.stringify({ value: String(value), again: String(again), adapter: keel.kv.adapter }));`;

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('works from ESM', () => {
    const child = run(
      script(
        "import { createLevelKv } from '@keel/adapter-kv-level'; import { createKeel } from '@keel/core';",
        temp.folder('esm'),
      ),
      'module',
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ value: '42', again: '42', adapter: 'level' });
  });

  it('works from CommonJS', () => {
    const load =
      "const { createLevelKv } = require('@keel/adapter-kv-level'); const { createKeel } = require('@keel/core');";
    const child = run(`(async () => { ${script(load, temp.folder('cjs'))} })()`, 'commonjs');
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ value: '42', again: '42', adapter: 'level' });
  });
});
