import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { CAPPER_SOURCES_SHA256, CAPPER_VERSION } from '../src/loader/capped-store.js';
import { createWasmHost } from '../src/index.js';
import { fixture, tempDir } from './support/fixtures.js';

const rewriter = [
  'core-limits',
  'module-metering',
  'module-sections',
  'wasm-instructions',
  'wasm-binary',
  'byte-writer',
];
const cache = tempDir();
afterAll(() => cache.remove());

/** The capped modules written so far (their writes are not waited for by the load). */
async function cappedFiles(): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    try {
      const files = readdirSync(join(cache.dir, 'capped')).filter((f) => f.endsWith('.json'));
      if (files.length > 0) return files;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return [];
}

describe('rewritten core modules on disk', () => {
  it('are keyed by a rewriter version that changes with its sources', () => {
    const h = createHash('sha256');
    for (const name of rewriter)
      h.update(readFileSync(fileURLToPath(new URL(`../src/loader/${name}.ts`, import.meta.url))));
    const sum = h.digest('hex');
    // When this fails: the rewriter changed, so modules capped by the old one must not be reused.
    // Bump CAPPER_VERSION and set CAPPER_SOURCES_SHA256 to the sum in this message.
    expect(`${CAPPER_VERSION} ${sum}`).toBe(`${CAPPER_VERSION} ${CAPPER_SOURCES_SHA256}`);
  });

  it('are read back by the next host, and one of the wrong length is rewritten', async () => {
    const first = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode: 'in-thread' });
    expectOk(await expectOk(await first.load(fixture('pure').bytes)).call('add', 1, 2));
    await first.close();
    const [meta] = await cappedFiles();
    expect(meta).toContain(CAPPER_VERSION);
    const wasm = join(cache.dir, 'capped', (meta as string).replace(/\.json$/, '.wasm'));
    const { length } = JSON.parse(readFileSync(join(cache.dir, 'capped', meta as string), 'utf8')) as {
      length: number;
    };
    expect(readFileSync(wasm).byteLength).toBe(length);
    truncateSync(wasm, 8);
    const second = createWasmHost({}, { cacheDir: cache.dir, logger: {}, mode: 'in-thread' });
    const pure = expectOk(await second.load(fixture('pure').bytes));
    expect(pure.loadedFrom).toBe('disk');
    expect(expectOk(await pure.call('add', 2, 3))).toBe(5);
    await second.close();
  });
});
