import createPlugin, { type Plugin } from '@extism/extism';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import type { KvSync } from '@keel/core';
import { createWasmHost } from '@keel/wasm-host';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compare, type BenchRow } from './harness.js';

/**
 * @keel/wasm-host: the cost of crossing into a component and back, in both modes, beside a
 * plain JavaScript function doing the same work and beside Extism's JS SDK running an
 * equivalent plain-wasm plugin (built here from WAT with jco's `parse`).
 *
 * - export call: a trivial `add(u32, u32) -> u32`.
 * - import round trip: a guest calling `kv.get` 100 times per call (`hammer`), so the per-call
 *   overhead is spread out and the row shows the cost of one guest → host → guest get.
 * - instantiate: a new process loading a component with an empty cache (jco transpiles), with
 *   the cache folder from a previous process, and a second load in the same host.
 *
 * Both modes read the same kv-memory store: in-thread through core's `kv.sync` (guarded exactly
 * like the async surface), isolated through the async surface over the bridge. The JavaScript
 * baselines call the same two surfaces, and Extism's host function reads through `kv.sync` too.
 */
export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'keel-bench-wasm-'));
  try {
    await runIn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const fixtures = join(
  dirname(fileURLToPath(import.meta.resolve('@keel/wasm-host/package.json'))),
  'fixtures',
  'components',
);
const summary: string[] = [];

async function runIn(root: string): Promise<void> {
  const cacheDir = join(root, 'cache');
  const pureWasm = readFileSync(join(fixtures, 'pure.wasm'));
  const guestWasm = readFileSync(join(fixtures, 'kv-guest.wasm'));

  const memoryKv = createMemoryKv();
  await memoryKv.set('user:1', 'ada lovelace');
  const kvSync = memoryKv.sync as KvSync;

  const inThread = createWasmHost({ kv: memoryKv }, { cacheDir, mode: 'in-thread', logger: {} });
  const isolated = createWasmHost({ kv: memoryKv }, { cacheDir, mode: 'isolated', logger: {} });
  const pureIn = (await inThread.load(pureWasm))._unsafeUnwrap();
  const pureIso = (await isolated.load(pureWasm))._unsafeUnwrap();
  const guestIn = (
    await inThread.load(guestWasm, { grants: { kv: true }, limits: { maxHostCalls: 1_000_000 } })
  )._unsafeUnwrap();
  const guestIso = (
    await isolated.load(guestWasm, { grants: { kv: true }, limits: { maxHostCalls: 1_000_000 } })
  )._unsafeUnwrap();

  const plugins = await extismPlugins(kvSync);
  const args = new Uint8Array(new Uint32Array([2, 3]).buffer);
  const jsAdd = (a: number, b: number) => a + b;

  const calls = await compare('wasm-host: trivial export call, add(2, 3)', [
    { name: 'plain JS function (sync)', fn: () => jsAdd(2, 3) },
    { name: 'keel in-thread callSync', fn: () => pureIn.callSync('add', 2, 3) },
    { name: 'keel in-thread call (awaited)', fn: () => pureIn.call('add', 2, 3) },
    { name: 'Extism foreground call (awaited)', fn: () => extismCall(plugins.foreground, 'add', args, 1024) },
    { name: 'keel isolated call (awaited)', fn: () => pureIso.call('add', 2, 3) },
  ]);
  note(calls, 'keel in-thread callSync', 'trivial in-thread export call (goal < 1 µs)');
  note(calls, 'keel isolated call (awaited)', 'trivial isolated export call');

  const key = 'user:1';
  const jsHammer = () => {
    for (let i = 0; i < 100; i++) kvSync.get(key);
  };
  const gets = await compare('wasm-host: guest → host kv.get round trip (100 gets per call)', [
    { name: 'plain JS, 100 × kv.sync.get', fn: jsHammer, opsPerCall: 100 },
    { name: 'keel in-thread, kv.sync', fn: () => guestIn.callSync('hammer', key, 100), opsPerCall: 100 },
    {
      name: 'Extism foreground, host fn',
      fn: () => extismCall(plugins.foreground, 'kv_hammer', key, 64),
      opsPerCall: 100,
    },
    {
      name: 'plain JS, 100 × awaited kv-memory get',
      fn: async () => {
        for (let i = 0; i < 100; i++) await memoryKv.get(key);
      },
      opsPerCall: 100,
    },
    { name: 'keel isolated, kv-memory via bridge', fn: () => guestIso.call('hammer', key, 100), opsPerCall: 100 },
  ]);
  note(gets, 'keel in-thread, kv.sync', 'kv.get import round trip in-thread (goal < 5 µs)');
  note(gets, 'keel isolated, kv-memory via bridge', 'kv.get import round trip isolated (goal < 50 µs)');

  await compare('wasm-host: one call that does one kv.get (export + import)', [
    { name: 'plain JS, kv.sync.get', fn: () => kvSync.get(key) },
    { name: 'keel in-thread callSync probe', fn: () => guestIn.callSync('probe', key) },
    { name: 'keel isolated call probe', fn: () => guestIso.call('probe', key) },
  ]);

  await workers(root, pureWasm, guestWasm);
  await instantiation(root, pureWasm, guestWasm);

  console.log('\n### wasm-host: reached\n');
  for (const line of summary) console.log(`- ${line}`);
  await Promise.all([inThread.close(), isolated.close(), plugins.foreground.close()]);
  await memoryKv.close();
}

/**
 * Extism's JS SDK 1.0.3 keeps every call's input and output blocks (and each block a host
 * function stores) until `reset()`, and fails once a plugin has 32768: reset every `every` calls.
 */
const counts = new WeakMap<Plugin, number>();
async function extismCall(plugin: Plugin, name: string, input: string | Uint8Array, every: number): Promise<unknown> {
  const n = (counts.get(plugin) ?? 0) + 1;
  counts.set(plugin, n);
  if (n % every === 0) await plugin.reset();
  return plugin.call(name, input);
}

function note(rows: readonly BenchRow[], name: string, what: string): void {
  const row = rows.find((r) => r.name === name);
  if (row) summary.push(`${what}: ${formatNs(1e9 / row.opsPerSec)}`);
}

function formatNs(ns: number): string {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${Math.round(ns)} ns`;
}

/**
 * Instantiation, each measured in a new process (median of 3): `cold` with an empty cache
 * folder (jco transpiles in a worker), `disk` with the folder a previous process filled, then
 * a second load of the same bytes in that host (`memory`). Extism creates a plugin from bytes.
 */
async function instantiation(root: string, pureWasm: Buffer, guestWasm: Buffer): Promise<void> {
  const script = join(root, 'load.mjs');
  writeFileSync(
    script,
    `import { createWasmHost } from ${JSON.stringify(pathToFileURL(fileURLToPath(import.meta.resolve('@keel/wasm-host'))).href)};
     const [cacheDir, file, mode] = process.argv.slice(2);
     const host = createWasmHost({}, { cacheDir, mode, logger: {} });
     let t = performance.now();
     const first = (await host.load(file))._unsafeUnwrap();
     const load = performance.now() - t;
     t = performance.now();
     (await host.load(file))._unsafeUnwrap();
     const again = performance.now() - t;
     await host.close();
     console.log(JSON.stringify({ from: first.loadedFrom, load, again }));`,
  );
  const measure = (file: string, mode: string, cold: boolean) => {
    const runs: { from: string; load: number; again: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const cacheDir = join(root, `load-${mode}-${cold ? i : 'warm'}-${file.length}`);
      if (!cold && i === 0) execFileSync(process.execPath, [script, cacheDir, file, mode]);
      runs.push(JSON.parse(execFileSync(process.execPath, [script, cacheDir, file, mode], { encoding: 'utf8' })));
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    return { from: runs[0]?.from, load: median(runs.map((r) => r.load)), again: median(runs.map((r) => r.again)) };
  };
  const pureFile = join(root, 'pure.wasm');
  const guestFile = join(root, 'kv-guest.wasm');
  writeFileSync(pureFile, pureWasm);
  writeFileSync(guestFile, guestWasm);

  const extismBytes = await extismWasm();
  const extismTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const plugin = await createPlugin(
      { wasm: [{ data: extismBytes }] },
      { useWasi: false, functions: { 'extism:host/user': { kv_get: () => 0n } } },
    );
    extismTimes.push(performance.now() - t);
    await plugin.close();
  }
  extismTimes.sort((a, b) => a - b);

  console.log('\n### wasm-host: instantiate (new process each, median of 3)\n');
  console.log('| component | mode | cold: transpile | from disk cache | second load, same host |');
  console.log('| --------- | ---- | --------------- | --------------- | ---------------------- |');
  for (const [name, file] of [
    ['pure (1 KB)', pureFile],
    ['kv-guest (5 KB)', guestFile],
  ] as const) {
    for (const mode of ['in-thread', 'isolated']) {
      const cold = measure(file, mode, true);
      const warm = measure(file, mode, false);
      if (cold.from !== 'transpiled' || warm.from !== 'disk')
        throw new Error(`unexpected cache sources ${cold.from}/${warm.from}`);
      console.log(
        `| ${name} | ${mode} | ${cold.load.toFixed(1)} ms | ${warm.load.toFixed(1)} ms | ${warm.again.toFixed(2)} ms |`,
      );
      if (name.startsWith('pure'))
        summary.push(
          `instantiate pure, ${mode}: cold ${cold.load.toFixed(1)} ms, from disk ${warm.load.toFixed(1)} ms, from memory ${warm.again.toFixed(2)} ms`,
        );
    }
  }
  console.log(
    `| Extism plugin (foreground), for scale | — | createPlugin: ${(extismTimes[1] as number).toFixed(1)} ms | | |`,
  );
}

/** An Extism plugin doing what `pure.add` and `kv-guest.hammer` do, through Extism's ABI. */
async function extismWasm(): Promise<Uint8Array> {
  const wasmHost = fileURLToPath(import.meta.resolve('@keel/wasm-host/package.json'));
  const tools = createRequire(wasmHost).resolve('@bytecodealliance/jco-transpile/wasm-tools');
  const { parse } = (await import(pathToFileURL(tools).href)) as { parse: (wat: string) => Promise<Uint8Array> };
  return parse(`(module
    (import "extism:host/env" "input_load_u64" (func $input_u64 (param i64) (result i64)))
    (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
    (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
    (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
    (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
    (import "extism:host/user" "kv_get" (func $kv_get (param i64) (result i64)))
    (memory (export "memory") 1)
    ;; input: two little-endian u32; output: their sum as 8 bytes
    (func (export "add") (result i32)
      (local $in i64) (local $out i64)
      (local.set $in (call $input_u64 (i64.const 0)))
      (local.set $out (call $alloc (i64.const 8)))
      (call $store_u64 (local.get $out)
        (i64.add (i64.and (local.get $in) (i64.const 0xffffffff)) (i64.shr_u (local.get $in) (i64.const 32))))
      (call $output_set (local.get $out) (i64.const 8))
      (i32.const 0))
    ;; input: a key; calls the host's kv_get with it 100 times
    (func (export "kv_hammer") (result i32)
      (local $i i32)
      (loop $again
        (drop (call $kv_get (call $input_offset)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $again (i32.lt_u (local.get $i) (i32.const 100))))
      (i32.const 0)))`);
}

async function extismPlugins(kv: KvSync): Promise<{ foreground: Plugin }> {
  const wasm = await extismWasm();
  const functions = {
    'extism:host/user': {
      // The same work as the kv binding: read the key, look it up, hand the value back.
      kv_get: (
        context: { read(offset: bigint): { text(): string } | null; store(value: string): bigint },
        offset: bigint,
      ) => {
        const value = kv.get(context.read(offset)?.text() ?? '').unwrapOr(undefined);
        return typeof value === 'string' ? context.store(value) : 0n;
      },
    },
  };
  const foreground = await createPlugin({ wasm: [{ data: wasm }] }, { useWasi: false, functions });
  return { foreground };
}

/**
 * Worker mode against worker mode, in a plain `node` child: Extism's worker is a `data:` URL
 * module that cannot start under tsx's loader (which workers inherit), so neither side runs
 * under tsx here. Each case runs in 7 interleaved rounds of at least 150 ms (and one call);
 * the median is reported.
 */
async function workers(root: string, pureWasm: Buffer, guestWasm: Buffer): Promise<void> {
  const files = {
    pure: join(root, 'w-pure.wasm'),
    guest: join(root, 'w-guest.wasm'),
    extism: join(root, 'w-extism.wasm'),
    cache: join(root, 'w-cache'),
  };
  writeFileSync(files.pure, pureWasm);
  writeFileSync(files.guest, guestWasm);
  writeFileSync(files.extism, await extismWasm());
  const script = join(root, 'workers.mjs');
  const url = (specifier: string) => JSON.stringify(pathToFileURL(fileURLToPath(import.meta.resolve(specifier))).href);
  writeFileSync(
    script,
    `import { createWasmHost } from ${url('@keel/wasm-host')};
     import { createMemoryKv } from ${url('@keel/adapter-kv-memory')};
     import createPlugin from ${url('@extism/extism')};
     import { readFileSync } from 'node:fs';
     const files = ${JSON.stringify(files)};
     const map = new Map([['user:1', 'ada lovelace']]);
     const kv = createMemoryKv();
     await kv.set('user:1', 'ada lovelace');
     const host = createWasmHost({ kv }, { cacheDir: files.cache, logger: {} });
     const pure = (await host.load(files.pure))._unsafeUnwrap();
     const guest = (await host.load(files.guest, { grants: { kv: true }, limits: { maxHostCalls: 1e6 } }))._unsafeUnwrap();
     const functions = { 'extism:host/user': { kv_get: (c, o) => { const v = map.get(c.read(o)?.text() ?? ''); return v === undefined ? 0n : c.store(v); } } };
     const plugin = await createPlugin({ wasm: [{ data: readFileSync(files.extism) }] }, { useWasi: false, functions, runInWorker: true });
     const args = new Uint8Array(new Uint32Array([2, 3]).buffer);
     let calls = 0;
     const extism = async (name, input, every) => { if (++calls % every === 0) await plugin.reset(); return plugin.call(name, input); };
     // [name, call, operations per call, warm-up calls]: Extism's worker host functions are slow
     // (milliseconds each on an idle machine), so its kv case warms up with few calls.
     const cases = [
       ['keel isolated call add', () => pure.call('add', 2, 3), 1, 200],
       ['Extism runInWorker call add', () => extism('add', args, 1024), 1, 200],
       ['keel isolated, 100 kv.get via bridge', () => guest.call('hammer', 'user:1', 100), 100, 50],
       ['Extism runInWorker, 100 host kv_get', () => extism('kv_hammer', 'user:1', 64), 100, 2],
     ];
     const samples = cases.map(() => []);
     for (const [, fn, , warm] of cases) for (let i = 0; i < warm; i++) await fn();
     for (let round = 0; round < 7; round++) {
       for (const [i, [, fn, ops]] of cases.entries()) {
         let calls = 0;
         const start = performance.now();
         do { await fn(); calls++; } while (performance.now() - start < 150);
         samples[i].push(((performance.now() - start) * 1e6) / (calls * ops));
       }
     }
     console.log(JSON.stringify(cases.map(([name], i) => [name, samples[i].sort((a, b) => a - b)[3]])));
     await plugin.close();
     await host.close();
     await kv.close();`,
  );
  const rows = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' })) as [string, number][];
  console.log('\n### wasm-host: worker modes (plain node child process)\n');
  console.log('| case | time per op | vs row above |');
  console.log('| ---- | ----------- | ------------ |');
  for (const [i, [name, ns]] of rows.entries()) {
    const pair = i % 2 === 1 ? `${(ns / (rows[i - 1]?.[1] as number)).toFixed(2)}×` : '';
    console.log(`| ${name} | ${formatNs(ns)} | ${pair} |`);
  }
  const bridged = rows[2]?.[1];
  if (bridged !== undefined)
    summary.push(`kv.get import round trip isolated, measured outside tsx: ${formatNs(bridged)}`);
}
