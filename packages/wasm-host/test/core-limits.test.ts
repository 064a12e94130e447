import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { capCoreModule, CoreModuleError } from '../src/loader/core-limits.js';
import { FuelTank } from '../src/sandbox/fuel-tank.js';
import { BUDGET_MODULE, MemoryBudget } from '../src/sandbox/memory-budget.js';

// The unit under test rewrites WebAssembly; real modules, assembled from WAT and run by V8, say
// whether the rewrite kept their meaning.
const { parse } = await import('@bytecodealliance/jco-transpile/wasm-tools');
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Module: (new (bytes: Uint8Array) => object) & { imports(module: object): { module: string; name: string }[] };
      Instance: new (module: object, imports: object) => { exports: Record<string, (...args: number[]) => number> };
      Global: new (type: { value: string }, value: number) => { value: number };
      compile(bytes: Uint8Array): Promise<object>;
    };
  }
).WebAssembly;
const limits = { maxMemoryPages: 4, maxTableElements: 100 };

// Globals defined after an imported one (the budget's globals are imported last, so these move),
// a global export, constant expressions reading a global, two memory.grow sites, and SIMD and
// bulk-memory immediates full of 0x40 bytes (memory.grow's opcode) that must not be taken for it.
const wat = `(module
  (import "env" "base" (global $base i32))
  (global $counter (mut i32) (i32.const 5))
  (global $derived i32 (global.get $base))
  (global (export "exported") i32 (i32.const 77))
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (global.get $base) $seven)
  (data (global.get $base) "\\2a")
  (func $seven (result i32) (i32.const 7))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "growTwice") (param i32) (result i32) (drop (memory.grow (local.get 0))) (memory.grow (local.get 0)))
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))
  (func (export "derived") (result i32) (global.get $derived))
  (func (export "byte") (result i32) (i32.load8_u (global.get $base)))
  (func (export "indirect") (result i32) (call_indirect (result i32) (global.get $base)))
  (func (export "simd") (result i32) (i32x4.extract_lane 0 (v128.const i32x4 0x40404040 0x40 0x40 0x40)))
  (func (export "fill") (result i32) (memory.fill (i32.const 64) (i32.const 0x40) (i32.const 64)) (i32.load8_u (i32.const 64)))
  (func (export "size") (result i32) (memory.size)))`;

function instantiate(bytes: Uint8Array, budget: MemoryBudget) {
  return new WA.Instance(new WA.Module(bytes), {
    env: { base: new WA.Global({ value: 'i32' }, 1) },
    [BUDGET_MODULE]: budget.imports,
  }).exports;
}

describe('capCoreModule', () => {
  it('meters every memory.grow and keeps what the module does', async () => {
    const capped = capCoreModule(await parse(wat), limits);
    expect(capped.initialPages).toBe(1);
    const budget = new MemoryBudget(4);
    budget.charge(capped.initialPages);
    const e = instantiate(capped.bytes, budget);
    expect([e.bump?.(), e.bump?.(), e.derived?.(), (e.exported as unknown as { value: number }).value]).toEqual([
      6, 7, 1, 77,
    ]);
    expect([e.byte?.(), e.indirect?.(), e.simd?.(), e.fill?.()]).toEqual([42, 7, 0x40404040, 0x40]);
    expect(e.grow?.(2)).toBe(1);
    expect(budget.used()).toBe(3);
    expect(budget.refused()).toBe(false);
    // Two pages would pass the cap: refused, and the refusal is recorded.
    expect(e.growTwice?.(2)).toBe(-1);
    expect(budget.refused()).toBe(true);
    budget.resetDenied();
    expect(e.grow?.(1)).toBe(3);
    expect([e.size?.(), budget.used(), e.grow?.(1)]).toEqual([4, 4, -1]);
  });

  it('one budget holds for every instance drawing on it', async () => {
    const capped = capCoreModule(await parse(wat), limits);
    const budget = new MemoryBudget(4);
    budget.charge(capped.initialPages);
    const a = instantiate(capped.bytes, budget);
    budget.charge(capped.initialPages);
    const b = instantiate(capped.bytes, budget);
    expect(a.grow?.(2)).toBe(1);
    expect(b.grow?.(1)).toBe(-1);
    expect([a.size?.(), b.size?.(), budget.used()]).toEqual([3, 1, 4]);
    expect(() => budget.charge(1)).toThrow(/more than its cap of 4 pages/);
  });

  it('rewrites a real compiler-made module into one V8 validates', async () => {
    // wasm-tools as jco ships it: 2.4 MB of Rust compiled to WebAssembly, every instruction decoded.
    const entry = createRequire(import.meta.url).resolve('@bytecodealliance/jco-transpile');
    const bytes = readFileSync(join(dirname(entry), '../vendor/wasm-tools.core.wasm'));
    const capped = capCoreModule(bytes, { maxMemoryPages: 16384, maxTableElements: 100_000 });
    const module = await WA.compile(capped.bytes);
    const budget = WA.Module.imports(module).filter((i) => i.module === BUDGET_MODULE);
    expect(budget).toEqual([
      { module: BUDGET_MODULE, name: 'pages', kind: 'global' },
      { module: BUDGET_MODULE, name: 'denied', kind: 'global' },
    ]);
  });

  it('adds fuel points to a real compiler-made module, and to every fixture, keeping them valid', async () => {
    const entry = createRequire(import.meta.url).resolve('@bytecodealliance/jco-transpile');
    const big = readFileSync(join(dirname(entry), '../vendor/wasm-tools.core.wasm'));
    const fuel = { maxMemoryPages: 16384, maxTableElements: 100_000, fuel: true };
    const metered = await WA.compile(capCoreModule(big, fuel).bytes);
    expect(
      WA.Module.imports(metered)
        .filter((i) => i.module === BUDGET_MODULE)
        .map((i) => i.name),
    ).toEqual(['pages', 'denied', 'fuel']);
    const sources = fileURLToPath(new URL('../fixtures/src/', import.meta.url));
    for (const file of readdirSync(sources).filter((f) => f.endsWith('.wat'))) {
      const wat = readFileSync(join(sources, file), 'utf8');
      if (/^\(component\b/m.test(wat)) continue;
      await expect(WA.compile(capCoreModule(await parse(wat), fuel).bytes), file).resolves.toBeDefined();
    }
  });

  it('keeps what a module does with fuel points, and traps when the fuel runs out', async () => {
    // Every kind of block a fuel point meets: loops nested in blocks, ifs and legacy try/catch/delegate;
    // a leaf only called directly ($twice: its cost goes to its callers) and one exported ($leaf: it keeps its own).
    const blocks = `(module
      (tag $e (param i32))
      (func $twice (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
      (func $leaf (export "leaf") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func $count (export "count") (param $n i32) (result i32) (local $i i32) (local $sum i32)
        (block $out
          (loop $outer
            (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
            (if (i32.and (local.get $i) (i32.const 1))
              (then (loop $inner (local.set $sum (i32.add (local.get $sum) (i32.const 1))))))
            try (result i32)
              try i32.const 2 throw $e delegate 0
              i32.const 0
            catch $e
            end
            (local.set $sum (i32.add (local.get $sum)))
            (local.set $sum (call $leaf (call $twice (local.get $sum))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $outer)))
        (local.get $sum)))`;
    const capped = capCoreModule(await parse(blocks), { ...limits, fuel: true });
    const fuel = new FuelTank(1_000_000);
    const e = new WA.Instance(new WA.Module(capped.bytes), { [BUDGET_MODULE]: { fuel: fuel.global } }).exports;
    expect(e.count?.(10)).toBe(5797);
    const used = fuel.used();
    expect(used).toBeGreaterThan(10);
    fuel.refill();
    expect(e.count?.(10)).toBe(5797);
    expect(fuel.used()).toBe(used);
    const scant = new FuelTank(used - 1);
    const f = new WA.Instance(new WA.Module(capped.bytes), { [BUDGET_MODULE]: { fuel: scant.global } }).exports;
    expect(() => f.count?.(10)).toThrow(/unreachable/);
    expect(scant.exhausted()).toBe(true);
    // Called from outside, the exported leaf pays its own way.
    fuel.refill();
    expect(e.leaf?.(1)).toBe(2);
    expect(fuel.used()).toBe(4);
  });

  it('leaves a module that never grows memory unmetered', async () => {
    const capped = capCoreModule(await parse('(module (memory (export "m") 1 2) (global i32 (i32.const 1)))'), limits);
    expect(capped.initialPages).toBe(1);
    expect(WA.Module.imports(new WA.Module(capped.bytes))).toEqual([]);
  });

  it('refuses with a code: MEMORY_LIMIT above the cap, MALFORMED for what it cannot rewrite', async () => {
    const code = (bytes: Uint8Array) => {
      try {
        capCoreModule(bytes, limits);
        return undefined;
      } catch (error) {
        expect(error).toBeInstanceOf(CoreModuleError);
        return (error as CoreModuleError).code;
      }
    };
    expect(code(await parse('(module (memory 5))'))).toBe('MEMORY_LIMIT');
    expect(code(await parse('(module (table 101 funcref))'))).toBe('MEMORY_LIMIT');
    expect(code(Uint8Array.of(0, 0x61, 0x73, 0x6d, 2, 0, 0, 0))).toBe('MALFORMED');
    // A module reaching for the budget's globals itself.
    const forged = `(module (import "${BUDGET_MODULE}" "pages" (global (mut i32)))
      (memory 1) (func (drop (memory.grow (i32.const 1)))))`;
    expect(code(await parse(forged))).toBe('MALFORMED');
  });
});
