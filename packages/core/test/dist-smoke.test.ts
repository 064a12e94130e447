import { runBuilt } from '@keel/testing';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built packages, the way an app gets them: a plain `node` with no source condition,
// resolving @keel/* from an app folder (the hello example depends on core and kv-memory).
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const run = (code: string) => runBuilt(new URL('../../../examples/hello', import.meta.url), code);

describe('built packages', () => {
  it('exist (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('are one copy whether an app imports or requires them: instanceof and error paths agree', () => {
    const child = run(`
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/package.json');
      const cjs = require('@keel/core');
      const esm = await import('@keel/core');
      const { memoryKvAdapter } = require('@keel/adapter-kv-memory');
      const keel = (await esm.createKeel({ kv: { adapter: 'memory' } }, { env: false, adapters: [memoryKvAdapter] }))._unsafeUnwrap();
      const bad = (await keel.kv.set('', 'x'))._unsafeUnwrapErr();
      let issue;
      try { await cjs.createKeel({ kv: { adapter: 'memory', options: { sweepIntervalMs: 0 } } }, { env: false, adapters: [memoryKvAdapter] }); }
      catch (error) { issue = { cjs: error instanceof cjs.KeelConfigError, esm: error instanceof esm.KeelConfigError, text: error.issues[0] }; }
      await keel.close();
      console.log(JSON.stringify({
        same: cjs === esm || cjs.createKeel === esm.createKeel,
        kvError: bad instanceof cjs.KvError && bad instanceof esm.KvError,
        code: bad.code,
        issue,
      }));`);
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      same: true,
      kvError: true,
      code: 'INVALID_ARGUMENT',
      issue: {
        cjs: true,
        esm: true,
        text: 'kv.options.sweepIntervalMs: expected an integer from 1 to 2147483647, got 0',
      },
    });
  });
});
