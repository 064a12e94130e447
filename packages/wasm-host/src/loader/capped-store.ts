import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CappedModule } from './core-limits.js';

/**
 * The version of what `capCoreModule` writes (core-limits.ts, module-metering.ts,
 * module-sections.ts, wasm-instructions.ts, wasm-binary.ts, byte-writer.ts). Capped modules on
 * disk are found under it, so a host with another rewriter never runs them.
 * `test/capped-store.test.ts` hashes those files and fails until this changes with them.
 */
export const CAPPER_VERSION = 'fuel-1';
/** sha256 of the rewriter's sources at `CAPPER_VERSION`, for that test. */
export const CAPPER_SOURCES_SHA256 = '3f6d76d78901e9b8a1cba068996ce16754aa751245876cc8d01f2c76f4912828';

/**
 * Core modules as the host rewrote them (memories and tables capped, growth metered, fuel
 * points with fuel), kept in the artifact cache folder: rewriting a 12 MB module takes
 * 0.4–0.6 s, so a new process reads it back instead. Keyed by the component's sha256 and
 * artifact key, the module's name and everything the rewrite depends on (limits, fuel,
 * `CAPPER_VERSION`).
 *
 * Files are written beside and renamed into place, so a reader sees a whole file or none; one
 * of the wrong length is ignored. Their bytes are not hashed again: what can write this folder
 * can already write the glue JavaScript beside it, which runs in the host (see the README).
 */
export class CappedStore {
  constructor(private readonly dir: string) {}

  async read(key: string): Promise<CappedModule | undefined> {
    try {
      const [meta, bytes] = await Promise.all([
        readFile(join(this.dir, `${key}.json`), 'utf8'),
        readFile(join(this.dir, `${key}.wasm`)),
      ]);
      const { initialPages, length } = JSON.parse(meta) as { initialPages: number; length: number };
      if (bytes.byteLength !== length || !Number.isInteger(initialPages)) return undefined;
      return { bytes, initialPages };
    } catch {
      return undefined;
    }
  }

  async write(key: string, capped: CappedModule): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const wasm = join(this.dir, `${key}.wasm`);
    const meta = join(this.dir, `${key}.json`);
    try {
      // The bytes first: a meta file only ever names a whole module.
      await writeFile(wasm + tmp, capped.bytes, { mode: 0o600 });
      await rename(wasm + tmp, wasm);
      const json = JSON.stringify({ initialPages: capped.initialPages, length: capped.bytes.byteLength });
      await writeFile(meta + tmp, json, { mode: 0o600 });
      await rename(meta + tmp, meta);
    } finally {
      await Promise.all([rm(wasm + tmp, { force: true }), rm(meta + tmp, { force: true })]);
    }
  }
}
