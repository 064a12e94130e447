import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Artifact } from '../src/loader/artifact.js';
import { CappedStore } from '../src/loader/capped-store.js';
import { ModuleCompiler, cappedKey } from '../src/loader/module-compiler.js';
import { resolveLimits } from '../src/wasm-host-options.js';
import { type WasmModule, webAssembly } from '../src/webassembly.js';
import { tempDir } from './support/fixtures.js';

/** `(func (export "f") (result i32) <body>)`, the body given as its code bytes. */
const moduleWith = (body: number[]) =>
  new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f], // type () -> i32
    ...[0x03, 0x02, 0x01, 0x00], // one function of that type
    ...[0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00], // exported as "f"
    ...[0x0a, body.length + 3, 0x01, body.length + 1, 0x00, ...body],
  ]);
/** Returns 7. */
const valid = moduleWith([0x41, 0x07, 0x0b]);
/** `i32.add` on an empty stack: decodes, never validates. */
const invalid = moduleWith([0x6a, 0x0b]);

const limits = resolveLimits({}, {});
const variant = `${limits.maxMemoryPages}-${limits.maxTableElements}-plain`;
const cache = tempDir();
afterAll(() => cache.remove());

/** A component of one core module, under a hash of its own (compiled sets are kept per process by hash). */
function artifact(module: Uint8Array): Artifact {
  return { hash: randomBytes(32).toString('hex'), coreModules: { 'm.wasm': module } } as unknown as Artifact;
}
const call = (compiled: Awaited<ReturnType<ModuleCompiler['compile']>>) =>
  (new webAssembly.Instance(compiled['m.wasm']?.module as WasmModule).exports.f as () => number)();

/** The store's entry for an artifact's module, once its write (not waited for by compile) lands. */
async function entry(a: Artifact): Promise<Uint8Array | undefined> {
  const file = join(cache.dir, `${cappedKey(a.hash, variant, 'm.wasm')}.json`);
  for (let i = 0; i < 50 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return existsSync(file) ? readFileSync(file.replace(/\.json$/, '.wasm')) : undefined;
}

describe('core modules from the disk cache, validated lazily', () => {
  const store = new CappedStore(cache.dir);

  it('a function that does not validate still never runs: its first call throws CompileError', async () => {
    // What a tampered cache folder could hold: bytes the host never compiled in full.
    const a = artifact(valid);
    await store.write(cappedKey(a.hash, variant, 'm.wasm'), { bytes: invalid, initialPages: 0 });
    const compiled = await new ModuleCompiler(4, store).compile(a, limits);
    expect(() => call(compiled)).toThrow(webAssembly.CompileError);
    // Again: V8 checks the flag at each first call, so it must still be on (off, Node 20 aborts).
    expect(() => call(compiled)).toThrow(webAssembly.CompileError);
  });

  it('still validates in full what the host compiles for the first time, and keeps only that on disk', async () => {
    const bad = artifact(invalid);
    await expect(new ModuleCompiler(4, store).compile(bad, limits)).rejects.toThrow(webAssembly.CompileError);
    expect(await entry(bad)).toBeUndefined();
    const good = artifact(valid);
    expect(call(await new ModuleCompiler(4, store).compile(good, limits))).toBe(7);
    expect(await entry(good)).toBeDefined();
  });

  it('rewrites an entry that does not decode, from the component', async () => {
    const a = artifact(valid);
    const key = cappedKey(a.hash, variant, 'm.wasm');
    await store.write(key, { bytes: new Uint8Array(valid.length).fill(0xff), initialPages: 0 });
    expect(call(await new ModuleCompiler(4, store).compile(a, limits))).toBe(7);
    await expect.poll(async () => (await store.read(key))?.bytes[0]).toBe(0x00);
  });

  it('with lazyValidation false, validates what it reads back in full and rewrites what fails', async () => {
    const a = artifact(valid);
    const key = cappedKey(a.hash, variant, 'm.wasm');
    await store.write(key, { bytes: invalid, initialPages: 0 });
    expect(call(await new ModuleCompiler(4, store, false).compile(a, limits))).toBe(7);
    await expect.poll(async () => (await store.read(key))?.bytes.length).toBe(valid.length);
  });
});
