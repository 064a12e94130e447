import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SeaBuildError } from '../src/index.js';
import { componentAssets, resolveWasmHost, transpileComponents } from '../src/wasm-components.js';

// The step `keel sea` adds for apps that run wasm components through @keel/wasm-host. An app
// root that has @keel/wasm-host: the package itself (it resolves its own name), with its test
// components. The builder loads the app's own copy, as Node resolves it from the app.
const here = fileURLToPath(new URL('.', import.meta.url));
const wasmHostRoot = fileURLToPath(new URL('../../wasm-host/', import.meta.url));
const pure = join(wasmHostRoot, 'fixtures/components/pure.wasm');
const work = mkdtempSync(join(tmpdir(), 'keel-sea-wasm-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('wasm components among the assets', () => {
  it('are the .wasm files with a component preamble; core modules are left as they are', () => {
    writeFileSync(join(work, 'notes.txt'), 'not wasm');
    expect(
      componentAssets({
        'fixtures/app/add.wasm': { path: join(here, 'fixtures/app/add.wasm') },
        'components/pure.wasm': { path: pure },
        'notes.txt': { path: join(work, 'notes.txt') },
      }),
    ).toEqual(['components/pure.wasm']);
  });

  it("are transpiled with the @keel/wasm-host Node resolves from the app's root", () => {
    // Its dist, or its src/ under the test runner's source condition.
    expect(resolveWasmHost(wasmHostRoot)?.startsWith(wasmHostRoot)).toBe(true);
  });

  it("are transpiled with the app's @keel/wasm-host into artifacts its host runs without jco", async () => {
    const wasmHost = resolveWasmHost(wasmHostRoot) as string;
    const sha256 = (
      JSON.parse(readFileSync(join(wasmHostRoot, 'fixtures/manifest.json'), 'utf8')) as Record<
        string,
        { sha256: string }
      >
    ).pure?.sha256;
    const assets = {
      'a/pure.wasm': { path: pure, sha256: sha256 as string },
      'b/same.wasm': { path: pure, sha256: sha256 as string },
    };
    const transpiled = await transpileComponents(wasmHost, assets, ['a/pure.wasm', 'b/same.wasm']);
    expect(transpiled.map(({ asset, key }) => ({ asset, key }))).toEqual([
      { asset: 'a/pure.wasm', key: expect.stringMatching(new RegExp(`^keel-wasm-host/${sha256}-`)) },
    ]);

    // Loaded as the builder loads it: this package has no dependency (nor types) of it.
    const { createWasmHost } = (await import(pathToFileURL(wasmHost).href)) as { createWasmHost: CreateWasmHost };
    const host = createWasmHost(
      {},
      { cacheDir: false, logger: {}, artifacts: new Map(transpiled.map((t) => [t.key, t.data])) },
    );
    const component = (await host.load(readFileSync(pure), { sha256 }))._unsafeUnwrap();
    expect([component.loadedFrom, (await component.call('add', 20, 22))._unsafeUnwrap()]).toEqual(['embedded', 42]);
    await host.close();
  });

  it('stop the build naming the asset jco refuses', async () => {
    const broken = join(work, 'broken.wasm');
    writeFileSync(broken, Buffer.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0, 0xff, 0xff]));
    const attempt = transpileComponents(
      resolveWasmHost(wasmHostRoot) as string,
      { 'broken.wasm': { path: broken, sha256: 'x' } },
      ['broken.wasm'],
    );
    await expect(attempt).rejects.toThrow(SeaBuildError);
    await expect(attempt).rejects.toThrow(/the wasm component .*cannot be transpiled/);
  });
});

interface Unwrappable<T> {
  _unsafeUnwrap(): T;
}
type CreateWasmHost = (
  source: object,
  options: object,
) => {
  load(
    bytes: Uint8Array,
    options: object,
  ): PromiseLike<
    Unwrappable<{ loadedFrom: string; call(name: string, ...args: unknown[]): PromiseLike<Unwrappable<unknown>> }>
  >;
  close(): Promise<void>;
};
