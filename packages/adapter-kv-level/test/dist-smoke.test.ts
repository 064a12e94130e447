import { runBuilt } from '@keel/testing';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempFolders } from './temp-folders.js';

// The built package, the way an app gets it: plain `node`, no source condition. The package
// resolves itself by name from its own folder, and core from its dependencies. It is ESM only:
// a CommonJS app `require()`s the same ESM build (Node ≥ 20.19), so there is one copy of core.
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const temp = tempFolders('dist');

const run = (code: string) => runBuilt(new URL('..', import.meta.url), code);

const script = (load: string, location: string) => `
  ${load}
  const kv = createLevelKv({ location: ${JSON.stringify(location)} });
  await kv.set('k', 42n, { ttlMs: 60000 });
  const value = (await kv.get('k'))._unsafeUnwrap();
  await kv.close();
  // Through the container: the adapter registered, and the same adapter named by module in config.
  const config = { kv: { adapter: 'level', options: { location: ${JSON.stringify(location)} } } };
  const keel = (await createKeel(config, { env: false, adapters: [levelKvAdapter] }))._unsafeUnwrap();
  const again = (await keel.kv.get('k'))._unsafeUnwrap();
  await keel.close();
  const byModule = { kv: { ...config.kv, module: '@keel/adapter-kv-level', export: 'levelKvAdapter' } };
  const third = (await createKeel(byModule, { env: false }))._unsafeUnwrap();
  const once = (await third.kv.get('k'))._unsafeUnwrap();
  const bad = (await third.kv.get(''))._unsafeUnwrapErr();
  await third.close();
  console.log(JSON.stringify({
    value: String(value), again: String(again), once: String(once), adapter: keel.kv.adapter,
    kvError: bad instanceof KvError,
  }));`;

const expected = { value: '42', again: '42', once: '42', adapter: 'level', kvError: true };

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('works from ESM', () => {
    const load =
      "import { createLevelKv, levelKvAdapter } from '@keel/adapter-kv-level'; import { createKeel, KvError } from '@keel/core';";
    const child = run(script(load, temp.folder('esm')));
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(expected);
  });

  it('works when required, as a CommonJS app would load it: the one ESM build', () => {
    const load = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/package.json');
      const { createLevelKv, levelKvAdapter } = require('@keel/adapter-kv-level');
      const { createKeel, KvError } = await import('@keel/core');`;
    const child = run(script(load, temp.folder('cjs')));
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(expected);
  });
});
