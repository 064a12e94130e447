import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built packages, the way an app gets them: a plain `node` with no source condition,
// resolving @keel/* from an app folder (the hello example depends on core and kv-memory).
const app = fileURLToPath(new URL('../../../examples/hello', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

function run(code: string, type: 'module' | 'commonjs') {
  return spawnSync(process.execPath, [`--input-type=${type}`, '-e', code], {
    cwd: app,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

const script = (load: string) => `
  ${load}
  const keel = (await createKeel({ kv: { adapter: 'memory' } }, { env: false }))._unsafeUnwrap();
  await keel.kv.set('k', 42n);
  const value = (await keel.kv.get('k'))._unsafeUnwrap();
  const bad = await keel.kv.set('', 'x');
  await keel.close();
  console.log(JSON.stringify({ value: String(value), code: bad._unsafeUnwrapErr().code }));`;

describe('built packages', () => {
  it('exist (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('work from ESM', () => {
    const child = run(script("import { createKeel } from '@keel/core';"), 'module');
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ value: '42', code: 'INVALID_ARGUMENT' });
  });

  it('work from CommonJS', () => {
    const child = run(`(async () => { ${script("const { createKeel } = require('@keel/core');")} })()`, 'commonjs');
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ value: '42', code: 'INVALID_ARGUMENT' });
  });
});
