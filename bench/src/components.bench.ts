import { createWasmHost, type WasmComponent } from '@keel/wasm-host';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare } from './harness.js';

/**
 * Components: what fuel (`limits.maxFuel`) costs. The same component loaded twice in one host,
 * plain and with fuel points (the host instruments its core modules when it compiles them), in
 * both modes:
 *
 * - compute: `burn.work(20000)`, 20 000 rounds of xorshift32 with a call per round, so the
 *   fuel points at the function entry and the loop top run 40 000 times per export call;
 * - trivial call: `pure.add(2, 3)`, where only the per-call refill and read of the counter show.
 *
 *
 * Then fast start and the warm pool, on the JavaScript guest (componentize-js, ~12 MB, built
 * once and cached: see wasm-host's fixtures/js-guest) and on `pure`:
 *
 * - load: cold (transpile, rewrite, compile, in a new process with an empty cache folder), from
 *   the disk cache in a new process, and a second load in the same host; each process is
 *   `component-load.ts` (`component-load-ab.ts` splits a disk load into its phases and compares
 *   versions of the host);
 * - a call on a pooled instance against a plain call, in-thread (the pool refills while the
 *   thread is idle, here between calls) and isolated;
 * - RSS per pooled instance.
 */
export async function run(): Promise<void> {
  const pkg = dirname(fileURLToPath(import.meta.resolve('@keel/wasm-host/package.json')));
  const fixtures = join(pkg, 'fixtures', 'components');
  const burn = readFileSync(join(fixtures, 'burn.wasm'));
  const pure = readFileSync(join(fixtures, 'pure.wasm'));
  const host = createWasmHost({}, { cacheDir: false, logger: {}, limits: { timeoutMs: 60_000 } });
  const fuel = { limits: { maxFuel: Number.MAX_SAFE_INTEGER } };
  const load = async (bytes: Uint8Array, mode: 'in-thread' | 'isolated', withFuel: boolean) =>
    (await host.load(bytes, { mode, ...(withFuel ? fuel : {}) }))._unsafeUnwrap() as WasmComponent;
  const [burnPlain, burnFuel, burnIsoPlain, burnIsoFuel, purePlain, pureFuel] = await Promise.all([
    load(burn, 'in-thread', false),
    load(burn, 'in-thread', true),
    load(burn, 'isolated', false),
    load(burn, 'isolated', true),
    load(pure, 'in-thread', false),
    load(pure, 'in-thread', true),
  ]);

  const rounds = 20_000;
  await compare(
    `components: compute-heavy export, burn.work(${rounds}), plain vs fuel`,
    [
      { name: 'in-thread, plain', fn: () => burnPlain.callSync('work', rounds) },
      { name: 'in-thread, fuel', fn: () => burnFuel.callSync('work', rounds) },
      { name: 'isolated, plain', fn: () => burnIsoPlain.call('work', rounds) },
      { name: 'isolated, fuel', fn: () => burnIsoFuel.call('work', rounds) },
    ],
    { checkEvery: 8, clock: 'cpu' },
  );
  await compare('components: trivial export call, pure.add(2, 3), plain vs fuel', [
    { name: 'in-thread callSync, plain', fn: () => purePlain.callSync('add', 2, 3) },
    { name: 'in-thread callSync, fuel', fn: () => pureFuel.callSync('add', 2, 3) },
  ]);
  await host.close();

  const { jsGuestPath } = (await import(join(pkg, 'fixtures', 'js-guest', 'build-js-guest.ts'))) as {
    jsGuestPath: () => Promise<string>;
  };
  const jsGuest = await jsGuestPath();
  await loadTimes([
    ['js-guest (12 MB), in-thread', jsGuest, 'in-thread'],
    ['js-guest (12 MB), isolated', jsGuest, 'isolated'],
    ['pure (1 KB), in-thread', join(fixtures, 'pure.wasm'), 'in-thread'],
  ]);
  await pooledCalls(readFileSync(jsGuest));
  await pooledRss(readFileSync(jsGuest));
}

type Mode = 'in-thread' | 'isolated';
interface Timed {
  loadMs: number;
  firstCallMs: number;
  from: string;
}

/** Load times, each in new processes: cold, then from the disk cache; and a second load in one host. */
async function loadTimes(cases: readonly [string, string, Mode][]): Promise<void> {
  const child = fileURLToPath(new URL('./component-load.ts', import.meta.url));
  const once = (file: string, dir: string, mode: Mode) =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', child, file, dir, mode], { encoding: 'utf8' }).trim(),
    ) as { first: Timed; second: Timed };
  const ms = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms (${sorted[0]?.toFixed(1)}–${sorted.at(-1)?.toFixed(1)})`;
  };
  console.log('\ncomponents: load, median (min–max) of 3 new processes each');
  console.log('| component, mode | cold (transpile) | disk cache, new process | second load, same host | first call |');
  console.log('|---|---|---|---|---|');
  for (const [name, file, mode] of cases) {
    const cold: number[] = [];
    const disk: number[] = [];
    const again: number[] = [];
    const firstCall: number[] = [];
    for (let i = 0; i < 3; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'keel-bench-load-'));
      try {
        const a = once(file, dir, mode);
        const b = once(file, dir, mode);
        cold.push(a.first.loadMs);
        disk.push(b.first.loadMs);
        again.push(b.second.loadMs);
        firstCall.push(b.first.firstCallMs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    console.log(`| ${name} | ${ms(cold)} | ${ms(disk)} | ${ms(again)} | ${ms(firstCall)} |`);
  }
}

/** A call that takes a pooled (fresh) instance against a plain call on the one reused instance. */
async function pooledCalls(bytes: Uint8Array): Promise<void> {
  const host = createWasmHost({}, { cacheDir: false, logger: {}, limits: { timeoutMs: 60_000 } });
  const load = async (mode: Mode, pool?: { min: number; max: number }) =>
    (await host.load(bytes, { mode, ...(pool ? { pool } : {}) }))._unsafeUnwrap() as WasmComponent;
  const [plain, pooled, isoPlain, isoPooled] = await Promise.all([
    load('in-thread'),
    load('in-thread', { min: 2, max: 2 }),
    load('isolated'),
    load('isolated', { min: 2, max: 2 }),
  ]);
  // Latency of the call alone, the pool refilled in the idle time between calls (as in a server):
  // 100 ms, more than an instantiation takes.
  const idle = () => new Promise((resolve) => setTimeout(resolve, 100));
  const latency = async (fn: () => unknown, n: number) => {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      await idle();
      const t0 = performance.now();
      await fn();
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    return samples[Math.floor(n / 2)] as number;
  };
  console.log('\ncomponents: js-guest greet("x"), median latency of 40 calls, 100 ms apart');
  console.log('| case | latency |');
  console.log('|---|---|');
  for (const [name, fn] of [
    ['in-thread, plain (one instance reused)', () => plain.callSync('greet', 'x')],
    ['in-thread, pooled (a fresh instance per call)', () => pooled.callSync('greet', 'x')],
    ['isolated, plain', () => isoPlain.call('greet', 'x')],
    ['isolated, pooled (2 workers)', () => isoPooled.call('greet', 'x')],
  ] as const) {
    console.log(`| ${name} | ${(await latency(fn, 40)).toFixed(3)} ms |`);
  }
  // Back to back, nothing idle: what a fresh instance per call costs in all.
  await compare('components: js-guest greet("x") back to back, plain vs pooled (instantiation included)', [
    { name: 'isolated, plain', fn: () => isoPlain.call('greet', 'x') },
    { name: 'isolated, pooled, 2 workers', fn: () => isoPooled.call('greet', 'x') },
    { name: 'in-thread, plain', fn: () => plain.callSync('greet', 'x') },
    { name: 'in-thread, pooled', fn: () => pooled.callSync('greet', 'x') },
  ]);
  await host.close();
}

/** RSS a pooled instance adds: one load with a pool of 1, another with a pool of 5 (the compiled modules are shared). */
async function pooledRss(bytes: Uint8Array): Promise<void> {
  console.log('\ncomponents: RSS per pooled instance, js-guest');
  for (const mode of ['in-thread', 'isolated'] as const) {
    const host = createWasmHost({}, { cacheDir: false, logger: {}, limits: { timeoutMs: 60_000 } });
    const settle = async () => {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((resolve) => setTimeout(resolve, 200));
      return process.memoryUsage().rss;
    };
    (await host.load(bytes, { mode, pool: { min: 1, max: 1 } }))._unsafeUnwrap();
    const one = await settle();
    (await host.load(bytes, { mode, pool: { min: 6, max: 6 } }))._unsafeUnwrap();
    const six = await settle();
    // The second load adds 6 instances plus its own glue and imports: per instance, an upper bound.
    console.log(`- ${mode}: +${((six - one) / 6 / 2 ** 20).toFixed(1)} MiB per pooled instance (6 instances)`);
    await host.close();
  }
}
