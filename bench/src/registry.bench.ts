import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createComponentRegistry } from '@keel/component-registry';
import { createWasmHost } from '@keel/wasm-host';

/**
 * Hot swap: what a caller sees while the active version changes. A stream of calls to one
 * component (in-thread, then isolated) through `registry.component(name)`, first steady, then
 * across 20 activations ~50 ms apart (each loads the new version before routing to it): call latency p50,
 * p99 and max, and failed calls, in both phases. A SQLite file holds the registry.
 */
export async function run(): Promise<void> {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  console.log(`\n## @keel/component-registry hot swap — load average ${one} / ${five} / ${fifteen} (1/5/15 min)`);
  const folder = mkdtempSync(join(tmpdir(), 'keel-bench-registry-'));
  const sql = createSqliteSql({ filename: join(folder, 'registry.db') });
  console.log('\n| mode | phase | calls | p50 ms | p99 ms | max ms | failed |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  try {
    for (const mode of ['in-thread', 'isolated'] as const) {
      const host = createWasmHost({}, { cacheDir: false, logger: {}, mode });
      const registry = createComponentRegistry(sql, host, { table: `swap_${mode.replace('-', '_')}` });
      (await registry.migrate())._unsafeUnwrap();
      for (const n of [1, 2, 3])
        (await registry.upload({ name: 'swap', version: `v${n}`, bytes: await versioned(n) }))._unsafeUnwrap();
      (await registry.activate('swap', 'v1'))._unsafeUnwrap();
      const live = registry.component('swap');
      const stream = async (during: () => Promise<void>) => {
        const times: number[] = [];
        let failed = 0;
        let stop = false;
        const caller = (async () => {
          while (!stop) {
            const t0 = performance.now();
            const r = await live.call('version');
            times.push(performance.now() - t0);
            if (r.isErr()) failed++;
            // An in-thread call settles in microtasks: let timers and I/O (the swaps) run between calls.
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        await during();
        stop = true;
        await caller;
        times.sort((a, b) => a - b);
        const q = (p: number) => (times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0).toFixed(3);
        return { calls: times.length, p50: q(0.5), p99: q(0.99), max: (times.at(-1) ?? 0).toFixed(3), failed };
      };
      const steady = await stream(() => new Promise((r) => setTimeout(r, 1000)));
      const swapping = await stream(async () => {
        for (let i = 0; i < 20; i++) {
          (await registry.activate('swap', `v${((i + 1) % 3) + 1}`))._unsafeUnwrap();
          await new Promise((resolve) => setTimeout(resolve, 50)); // one swap every ~50 ms, for ~1 s
        }
      });
      for (const [phase, s] of [
        ['steady, 1 s', steady],
        ['20 swaps in ~1 s', swapping],
      ] as const)
        console.log(`| ${mode} | ${phase} | ${s.calls} | ${s.p50} | ${s.p99} | ${s.max} | ${s.failed} |`);
      await registry.close();
      await host.close();
    }
  } finally {
    await sql.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** A component whose `version` export answers `n`: versions that can be told apart. */
async function versioned(n: number): Promise<Uint8Array> {
  const { parse, componentEmbed, componentNew } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const core = await parse(`(module (func (export "version") (result i32) (i32.const ${n})))`);
  const witSource = 'package bench:swap;\nworld versioned { export version: func() -> u32; }';
  return componentNew(await componentEmbed({ binary: core, witSource, world: 'versioned' }), []);
}
