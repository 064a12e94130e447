// The apps a new user writes, as files. Each prints one line of JSON for the journey to check.

/** ESM, memory only: what `node app.js` and its esbuild bundle both print. */
export const esmApp = `import { createKeel, KvError } from '@keel/core';
import { memoryKvAdapter } from '@keel/adapter-kv-memory';

const keel = (await createKeel({ kv: { adapter: 'memory' } }, { adapters: [memoryKvAdapter] }))._unsafeUnwrap();
await keel.kv.set('greeting', 'hello');
const value = (await keel.kv.get('greeting'))._unsafeUnwrap();
const bad = (await keel.kv.set('', 'x'))._unsafeUnwrapErr();
let unregistered;
try {
  await createKeel({ kv: { adapter: 'level', options: { location: './kv' } } });
} catch (error) {
  unregistered = error.issues;
}
await keel.close();
console.log(JSON.stringify({ value, code: bad.code, kvError: bad instanceof KvError, unregistered }));
`;

/** CommonJS: \`require\`s Keel, and \`import()\`s it in the same process — one copy or two? */
export const cjsApp = `const core = require('@keel/core');
const { memoryKvAdapter } = require('@keel/adapter-kv-memory');

async function main() {
  const esm = await import('@keel/core');
  const keel = (await core.createKeel({ kv: { adapter: 'memory' } }, { adapters: [memoryKvAdapter] }))._unsafeUnwrap();
  const bad = (await keel.kv.set('', 'x'))._unsafeUnwrapErr();
  const issues = {};
  for (const [name, keelModule] of [['cjs', core], ['esm', esm]]) {
    try {
      await keelModule.createKeel({ kv: { adapter: 'memory', options: { sweepIntervalMs: 0 } } }, { adapters: [memoryKvAdapter] });
    } catch (error) {
      issues[name] = { cjs: error instanceof core.KeelConfigError, esm: error instanceof esm.KeelConfigError, issues: error.issues };
    }
  }
  await keel.close();
  console.log(JSON.stringify({
    same: core === esm || core.createKeel === esm.createKeel,
    kvError: { cjs: bad instanceof core.KvError, esm: bad instanceof esm.KvError },
    code: bad.code,
    issues,
  }));
}
main();
`;

/** TypeScript under NodeNext, strict: compiles, and a wrong call is refused (so the types are real). */
export const tsApp = `import { createKeel, type KeelConfig, type Kv, type KvError } from '@keel/core';
import { memoryKvAdapter } from '@keel/adapter-kv-memory';

const config: KeelConfig = { kv: { adapter: 'memory', options: { sweepIntervalMs: 500 } } };
const keel = (await createKeel(config, { adapters: [memoryKvAdapter] }))._unsafeUnwrap();
const kv: Kv = keel.kv;
const set = await kv.set('greeting', 'hello');
if (set.isErr()) {
  const error: KvError = set.error;
  console.log(error.code);
}
// @ts-expect-error: a kv key is a string (were the types \`any\`, this line would be an error)
await kv.get(42);
await keel.close();
`;

export const tsConfig = JSON.stringify({
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    types: ['node'],
  },
  include: ['app.ts'],
});

/** A conformance suite from @keel/testing, run by the app's own vitest and fast-check. */
export const conformanceTest = `import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { describeKvConformance, kvValueArbitrary, sqlValueArbitrary } from '@keel/testing';

describeKvConformance({
  name: 'memory',
  factory: ({ clock }) => createMemoryKv({ clock }),
  capabilities: { ttl: true, atomicBatch: true, persistent: false, synchronous: true },
});

it('draws the arbitraries as they are meant, with this fast-check', () => {
  // Text beyond printable ASCII needs fast-check's string units (3.22): older ones ignore them.
  const values = fc.sample(kvValueArbitrary, { numRuns: 2000, seed: 7 });
  expect(values.some((v) => typeof v === 'string' && /[^\\x20-\\x7e]/.test(v))).toBe(true);
  for (const arbitrary of Object.values(sqlValueArbitrary)) expect(fc.sample(arbitrary, 20)).toHaveLength(20);
});
`;

/** Loads a component from a pre-transpiled artifact: the host must not need jco for that. */
export const wasmApp = `import { readFileSync } from 'node:fs';
import { createWasmHost } from '@keel/wasm-host';

const stored = JSON.parse(readFileSync('artifacts.json', 'utf8'));
const artifacts = new Map(stored.map((a) => [a.key, new Uint8Array(Buffer.from(a.data, 'base64'))]));
const host = createWasmHost({}, { logger: {}, artifacts });
const component = (await host.load(readFileSync('pure.wasm'), {}))._unsafeUnwrap();
const add = (await component.call('add', 2, 3))._unsafeUnwrap();
await host.close();
console.log(JSON.stringify({ loadedFrom: component.loadedFrom, add }));
`;

/** Made in the repository (which has jco): the artifact the wasm app loads. */
export const makeArtifacts = `import { readFileSync, writeFileSync } from 'node:fs';
import { embeddableArtifacts } from '@keel/wasm-host';

const [component, out] = process.argv.slice(1);
const artifacts = (await embeddableArtifacts([readFileSync(component)]))._unsafeUnwrap();
writeFileSync(out, JSON.stringify(artifacts.map((a) => ({ key: a.key, data: Buffer.from(a.data).toString('base64') }))));
`;

/** kv on LevelDB (a native addon), for the executable: counts its runs in ./data. */
export const seaApp = `import { createKeel } from '@keel/core';
import { levelKvAdapter } from '@keel/adapter-kv-level';

// No top-level await: a single executable starts a CommonJS script.
async function main() {
  const config = { kv: { adapter: 'level', options: { location: './data/kv' } } };
  const keel = (await createKeel(config, { adapters: [levelKvAdapter] }))._unsafeUnwrap();
  const runs = (await keel.kv.increment('runs'))._unsafeUnwrap();
  await keel.close();
  console.log(JSON.stringify({ runs: Number(runs) }));
}
main();
`;
