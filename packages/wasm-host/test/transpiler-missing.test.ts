import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmHost, embeddableArtifacts, type EmbeddableArtifact } from '../src/index.js';
import { fixture, tempDir } from './support/fixtures.js';

// An app that installed @keel/wasm-host without its optional peer @bytecodealliance/jco-transpile.
// Its node_modules is a folder of its own: the built package copied in (so that resolving from it
// never walks up into this repository's node_modules, where jco is a dev dependency), the
// package's dependencies and @keel/core linked. Plain `node` runs the app there, with no loader and
// no NODE_OPTIONS or NODE_PATH.
const pkg = fileURLToPath(new URL('..', import.meta.url));
const app = tempDir('keel-no-jco-');
const pure = fixture('pure');
let artifact: EmbeddableArtifact;

beforeAll(async () => {
  const modules = join(app.dir, 'node_modules');
  const own = join(modules, '@keel/wasm-host');
  mkdirSync(own, { recursive: true });
  cpSync(join(pkg, 'package.json'), join(own, 'package.json'));
  cpSync(join(pkg, 'dist'), join(own, 'dist'), { recursive: true });
  // Every dependency the package declares, and @keel/core (its peer): whatever it comes to need.
  const { dependencies = {} } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const name of ['@keel/core', ...Object.keys(dependencies)]) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(realpathSync(join(pkg, 'node_modules', name)), join(modules, name), 'dir');
  }
  // What a build machine with jco made: a pre-transpiled artifact, and a filled cache folder.
  [artifact] = expectOk(await embeddableArtifacts([pure.bytes])) as [EmbeddableArtifact];
  writeFileSync(join(app.dir, 'pure.artifact'), artifact.data);
  const host = createWasmHost({}, { cacheDir: join(app.dir, 'cache'), logger: {} });
  expect(expectOk(await host.load(pure.bytes)).loadedFrom).toBe('transpiled');
  await host.close();
});
afterAll(() => app.remove());

const script = (key: string, component: string) => `
  import { readFileSync } from 'node:fs';
  import { createRequire } from 'node:module';
  import { createWasmHost, embeddableArtifacts } from '@keel/wasm-host';
  const out = {};
  // The setup is what it says: from @keel/wasm-host, jco-transpile does not resolve.
  try {
    createRequire(import.meta.resolve('@keel/wasm-host')).resolve('@bytecodealliance/jco-transpile');
    out.resolves = true;
  } catch (error) {
    out.resolves = error.code;
  }
  const bytes = readFileSync(${JSON.stringify(component)});
  const failure = (r) => (r.isErr() ? [r.error.code, r.error.message] : 'ok');
  const bare = createWasmHost({}, { cacheDir: false, logger: {} });
  out.load = failure(await bare.load(bytes));
  out.embed = failure(await embeddableArtifacts([bytes]));
  out.run = [];
  const artifacts = new Map([[${JSON.stringify(key)}, readFileSync('pure.artifact')]]);
  for (const mode of ['isolated', 'in-thread']) {
    const host = createWasmHost({}, { artifacts, mode, logger: {} });
    const c = (await host.load(bytes))._unsafeUnwrap();
    out.run.push([c.loadedFrom, mode, (await c.call('add', 40, 2))._unsafeUnwrap()]);
    await host.close();
  }
  const cached = createWasmHost({}, { cacheDir: 'cache', logger: {} });
  const c = (await cached.load(bytes))._unsafeUnwrap();
  out.run.push([c.loadedFrom, c.mode, (await c.call('add', 1, 2))._unsafeUnwrap()]);
  await cached.close();
  console.log(JSON.stringify(out));`;

function runApp(code: string) {
  writeFileSync(join(app.dir, 'app.mjs'), code);
  const child = spawnSync(process.execPath, ['app.mjs'], {
    cwd: app.dir,
    env: { PATH: process.env.PATH },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as unknown;
}

const loadOnly = (component: string) => `
  import { readFileSync } from 'node:fs';
  import { createWasmHost } from '@keel/wasm-host';
  const host = createWasmHost({}, { cacheDir: false, logger: {} });
  const r = await host.load(readFileSync(${JSON.stringify(component)}));
  console.log(JSON.stringify(r.isErr() ? [r.error.code, r.error.message] : [r.value.loadedFrom, (await r.value.call('add', 2, 3))._unsafeUnwrap()]));
  await host.close();`;

describe('without @bytecodealliance/jco-transpile installed', () => {
  it('a component that needs transpiling fails with TRANSPILER_MISSING; pre-transpiled and cached ones run', () => {
    const out = runApp(script(artifact.key, pure.path)) as {
      resolves: unknown;
      load: [string, string];
      embed: [string, string];
      run: unknown[];
    };
    expect(out.resolves).toBe('MODULE_NOT_FOUND');
    for (const [code, message] of [out.load, out.embed]) {
      expect(code).toBe('TRANSPILER_MISSING');
      expect(message).toContain('@bytecodealliance/jco-transpile is not installed');
      expect(message).toContain('npm install @bytecodealliance/jco-transpile@0.15.0');
    }
    expect(out.run).toEqual([
      ['embedded', 'isolated', 42],
      ['embedded', 'in-thread', 42],
      ['disk', 'isolated', 3],
    ]);
  });

  it('another version of it is refused the same way, naming both versions', () => {
    const jco = join(app.dir, 'node_modules/@bytecodealliance/jco-transpile');
    mkdirSync(jco);
    writeFileSync(
      join(jco, 'package.json'),
      JSON.stringify({ name: '@bytecodealliance/jco-transpile', version: '0.14.0', type: 'module', main: 'index.js' }),
    );
    writeFileSync(join(jco, 'index.js'), 'export const transpileBytes = () => { throw new Error("not this one"); };\n');
    try {
      const [code, message] = runApp(loadOnly(pure.path)) as [string, string];
      expect(code).toBe('TRANSPILER_MISSING');
      expect(message).toContain('@bytecodealliance/jco-transpile 0.14.0 is installed');
      expect(message).toContain('exactly 0.15.0');
    } finally {
      rmSync(jco, { recursive: true });
    }
  });

  it('the same app transpiles once it is installed', () => {
    const jco = join(app.dir, 'node_modules/@bytecodealliance/jco-transpile');
    symlinkSync(realpathSync(join(pkg, 'node_modules/@bytecodealliance/jco-transpile')), jco, 'dir');
    try {
      expect(runApp(loadOnly(pure.path))).toEqual(['transpiled', 5]);
    } finally {
      rmSync(jco);
    }
  });
});
