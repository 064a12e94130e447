import { runBuilt } from '@keel/testing';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/fixtures.js';

// The built package the way an app gets it: plain `node`, no source condition, resolving
// @keel/wasm-host (by its own name) and @keel/core from this package's folder.
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const cache = tempDir();
afterAll(() => cache.remove());

const run = (code: string, type: 'module' | 'commonjs') =>
  runBuilt(new URL('..', import.meta.url), code, { type, timeoutMs: 60_000 });

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

  it('works from ESM, in both modes', () => {
    const child = run(script("import { createWasmHost } from '@keel/wasm-host';"), 'module');
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([42, 42]);
  });

  it('works from CommonJS', () => {
    const body = script("const { createWasmHost } = require('@keel/wasm-host');");
    const child = run(body, 'commonjs');
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([42, 42]);
  });

  // What lets isolated mode run inside a single executable, which has no files beside the module.
  it('starts the isolated worker from its embedded source, with no worker file', () => {
    expect(existsSync(new URL('../dist/sandbox/guest-worker.js', import.meta.url))).toBe(false);
    const child = run(
      `import { createWasmHost } from '@keel/wasm-host';
      const host = createWasmHost({}, { cacheDir: ${JSON.stringify(cache.dir)}, logger: {} });
      const c = (await host.load('fixtures/components/pure.wasm'))._unsafeUnwrap();
      const sum = (await c.call('add', 1, 2))._unsafeUnwrap();
      // An http guest imports preview2-shim in the worker: by absolute URL, as a data: module must.
      const http = (await host.load('fixtures/components/http-guest.wasm'))._unsafeUnwrap();
      const denied = (await http.call('get', '127.0.0.1:1', '/'))._unsafeUnwrap();
      await host.close();
      console.log(JSON.stringify([c.mode, sum, denied]));`,
      'module',
    );
    expect(child.stderr).toBe('');
    // 1003: the request was refused by the (empty) allow-list, inside the worker.
    expect(JSON.parse(child.stdout)).toEqual(['isolated', 3, 1003]);
  });

  it('runs pre-transpiled artifacts without transpiling', () => {
    const child = run(
      `import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
      import { createWasmHost, embeddableArtifacts } from '@keel/wasm-host';
      const bytes = readFileSync('fixtures/components/pure.wasm');
      const artifacts = (await embeddableArtifacts([bytes]))._unsafeUnwrap();
      const cacheDir = ${JSON.stringify(`${cache.dir}/untouched`)};
      mkdirSync(cacheDir);
      const host = createWasmHost({}, { cacheDir, logger: {}, artifacts: new Map(artifacts.map((a) => [a.key, a.data])) });
      const c = (await host.load(bytes))._unsafeUnwrap();
      const sum = (await c.call('add', 2, 2))._unsafeUnwrap();
      await host.close();
      console.log(JSON.stringify([c.loadedFrom, sum, readdirSync(cacheDir)]));`,
      'module',
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(['embedded', 4, []]);
  });
});
