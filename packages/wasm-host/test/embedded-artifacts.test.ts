import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmHost, embeddableArtifacts, type EmbeddableArtifact, type WasmHostOptions } from '../src/index.js';
import { ArtifactBlobError, decodeArtifactBlob, encodeArtifactBlob } from '../src/loader/artifact-blob.js';
import { EmbeddedArtifactError, readEmbedded, seaArtifacts } from '../src/loader/embedded-artifacts.js';
import { transpileComponent, transpilerFingerprint } from '../src/loader/transpile.js';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';

// What `keel sea` does at build time and the executable at run time, with a Map in place of the
// executable's assets: the real SEA path is exercised by examples/saas/test/sea.test.ts.
const pure = fixture('pure');
const trap = fixture('trap');
const cache = tempDir();
let artifacts: EmbeddableArtifact[];

beforeAll(async () => {
  artifacts = expectOk(await embeddableArtifacts([pure.bytes, pure.bytes]));
});
afterAll(() => cache.remove());

function host(store: Map<string, Uint8Array>, options: WasmHostOptions = {}) {
  return createWasmHost({}, { cacheDir: cache.dir, logger: collectingLogger(), artifacts: store, ...options });
}
const storeOf = (list: readonly EmbeddableArtifact[]) => new Map(list.map((a) => [a.key, a.data]));

describe('embeddableArtifacts', () => {
  it('transpiles each distinct component once, keyed by its sha256 and the transpiler', () => {
    expect(artifacts).toHaveLength(1);
    const [artifact] = artifacts as [EmbeddableArtifact];
    expect(artifact.sha256).toBe(pure.sha256);
    expect(artifact.key).toMatch(new RegExp(`^keel-wasm-host/${pure.sha256}-[0-9a-f]{12}$`));
  });

  it('refuses what is not a component', async () => {
    const core = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(expectErr(await embeddableArtifacts([core]), 'MALFORMED').message).toContain('not a WebAssembly component');
    expect(() => embeddableArtifacts(['x'] as never)).toThrow(TypeError);
  });
});

describe('a host with pre-transpiled artifacts', () => {
  it('runs the component from them in its own worker, never transpiling or writing the cache folder', async () => {
    const h = host(storeOf(artifacts));
    const c = expectOk(await h.load(pure.bytes, { sha256: pure.sha256 }));
    expect(c.loadedFrom).toBe('embedded');
    expect(c.mode).toBe('isolated');
    expect(expectOk(await c.call('add', 40, 2))).toBe(42);
    expect(expectOk(await h.load(pure.bytes, {})).loadedFrom).toBe('memory');
    expect(readdirSync(cache.dir)).toEqual([]);
    await h.close();
  });

  it('still checks the pin on the real bytes first', async () => {
    const h = host(storeOf(artifacts));
    const tampered = Uint8Array.from(pure.bytes);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    expectErr(await h.load(tampered, { sha256: pure.sha256 }), 'HASH_MISMATCH');
    await h.close();
  });

  it('fails the load with UNAVAILABLE for a component it has no artifact for', async () => {
    const h = host(storeOf(artifacts));
    const e = expectErr(await h.load(trap.bytes, { id: 'trap' }), 'UNAVAILABLE');
    expect(e.message).toContain(trap.sha256);
    expect(e.message).toContain('embeddableArtifacts');
    expect(e.component).toBe('trap');
    expect(readdirSync(cache.dir)).toEqual([]);
    await h.close();
  });

  it('refuses a tampered artifact', async () => {
    const [good] = artifacts as [EmbeddableArtifact];
    const data = Uint8Array.from(good.data);
    // One byte of the files, past the header.
    data[data.length - 100] = (data[data.length - 100] as number) ^ 1;
    const h = host(new Map([[good.key, data]]));
    expect(expectErr(await h.load(pure.bytes, {}), 'UNAVAILABLE').message).toContain(
      'damaged: its checksum does not match',
    );
    await h.close();
  });

  it("refuses another component's artifact stored under this one's key", async () => {
    const [good] = artifacts as [EmbeddableArtifact];
    const other = encodeArtifactBlob(await transpileComponent(trap.bytes, trap.sha256), transpilerFingerprint());
    const h = host(new Map([[good.key, other]]));
    expect(expectErr(await h.load(pure.bytes, {}), 'UNAVAILABLE').message).toContain(
      `made for component ${trap.sha256}`,
    );
    await h.close();
  });

  it("refuses an artifact whose WebAssembly is not the component's, even with the right hash in it", async () => {
    const [good] = artifacts as [EmbeddableArtifact];
    const real = await transpileComponent(pure.bytes, pure.sha256);
    const swapped = { ...real, coreModules: (await transpileComponent(trap.bytes, trap.sha256)).coreModules };
    const h = host(new Map([[good.key, encodeArtifactBlob(swapped, transpilerFingerprint())]]));
    expect(expectErr(await h.load(pure.bytes, {}), 'UNAVAILABLE').message).toContain(
      "holds core modules that are not the component's",
    );
    await h.close();
  });

  it('takes anything with a get(key) method', () => {
    expect(() => createWasmHost({}, { artifacts: {} as never })).toThrow(
      /artifacts: expected an object with a get\(key\) method/,
    );
  });
});

describe('the artifact blob', () => {
  it('round-trips an artifact and refuses a truncated or foreign one', async () => {
    const artifact = await transpileComponent(pure.bytes, pure.sha256);
    const blob = encodeArtifactBlob(artifact, transpilerFingerprint());
    expect(decodeArtifactBlob(blob)).toEqual({ artifact, fingerprint: transpilerFingerprint() });
    expect(() => decodeArtifactBlob(blob.subarray(0, blob.length - 1))).toThrow(ArtifactBlobError);
    expect(() => decodeArtifactBlob(pure.bytes)).toThrow(/not an artifact blob/);
  });

  it('refuses a well-checksummed blob whose header was not written by the host', () => {
    const blob = (header: unknown, files: Uint8Array = new Uint8Array()) => {
      const json = Buffer.from(JSON.stringify(header));
      const length = Buffer.alloc(4);
      length.writeUInt32BE(json.byteLength);
      const body = Buffer.concat([length, json, files]);
      return Buffer.concat([Buffer.from('KEELART1'), createHash('sha256').update(body).digest(), body]);
    };
    const meta = { fingerprint: transpilerFingerprint(), hash: pure.sha256, imports: [], exports: [] };
    for (const header of [
      null,
      { ...meta, files: 5 },
      { ...meta, files: [['glue.js', -1]] },
      { ...meta, imports: undefined, files: [] },
      { ...meta, files: [['../x.js', 0]] },
      { ...meta, files: [['__proto__', 0]] },
    ]) {
      expect(() => decodeArtifactBlob(blob(header)), JSON.stringify(header)).toThrow(ArtifactBlobError);
    }
    expect(() =>
      decodeArtifactBlob(
        blob(
          {
            ...meta,
            files: [
              ['glue.js', 1],
              ['glue.js', 1],
            ],
          },
          new Uint8Array(2),
        ),
      ),
    ).toThrow(/appears twice/);
  });
});

describe('inside a single executable', () => {
  it('names keel sea when a component was not embedded', () => {
    expect(() => readEmbedded(new Map(), pure.sha256, true)).toThrow(EmbeddedArtifactError);
    expect(() => readEmbedded(new Map(), pure.sha256, true)).toThrow(
      new RegExp(
        `component ${pure.sha256} was not embedded in this executable .*list its \\.wasm among the assets given to keel sea`,
      ),
    );
  });

  it('is not where the tests run: the host transpiles as usual', () => {
    expect(seaArtifacts()).toBeUndefined();
  });
});
