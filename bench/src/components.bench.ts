import { createWasmHost, type WasmComponent } from '@keel/wasm-host';
import { readFileSync } from 'node:fs';
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
 * The JavaScript guest of issue 18 (componentize-js, 12.7 MB) is not built here: its build takes
 * ~30 s and needs the toolchain installed; no cached copy exists yet.
 */
export async function run(): Promise<void> {
  const fixtures = join(
    dirname(fileURLToPath(import.meta.resolve('@keel/wasm-host/package.json'))),
    'fixtures',
    'components',
  );
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
}
