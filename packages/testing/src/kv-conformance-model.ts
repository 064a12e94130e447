import fc from 'fast-check';
import { expect } from 'vitest';
import type { Result, ResultAsync } from '@keel/core';
import type { Kv } from '@keel/core';
import { kvKeyArbitrary, kvValueArbitrary } from './kv-arbitraries.js';
import { expectOk } from './expect-result.js';
import type { KvHarness } from './kv-harness.js';
import { createReferenceKv } from './reference-kv.js';

interface Pair {
  readonly real: Kv;
  readonly model: Kv;
  readonly advance: (ms: number) => void;
}

type Step = fc.AsyncCommand<object, Pair>;

/** A comparable form of any result: numbers by bits (`NaN`, `-0`), bytes by content, errors by code. */
function comparable(value: unknown): unknown {
  if (typeof value === 'number') return `f64:${Object.is(value, -0) ? '-0' : String(value)}`;
  if (typeof value === 'bigint') return `s64:${value}`;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(comparable);
  if (value && typeof value === 'object') {
    if ('code' in value && value instanceof Error) return { error: (value as { code: string }).code };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

function step(label: string, call: (kv: Kv) => ResultAsync<unknown, unknown>): Step {
  return {
    check: () => true,
    async run(_, { real, model }) {
      const [r, m] = await Promise.all([call(real), call(model)]);
      const asComparable = (x: Result<unknown, unknown>) => comparable(x.isOk() ? { ok: x.value } : x.error);
      expect(asComparable(r), label).toEqual(asComparable(m));
    },
    toString: () => label,
  };
}

export function modelTests(h: KvHarness): void {
  const numRuns = h.options.numRuns ?? 40;
  const withTtl = h.options.capabilities.ttl && h.options.time !== 'real';
  const ttl = withTtl ? fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: undefined }) : fc.constant(undefined);
  const opts = (ttlMs: number | undefined) => (ttlMs === undefined ? {} : { ttlMs });
  const show = (v: unknown) => String(comparable(v));

  const commands = [
    fc
      .tuple(kvKeyArbitrary, kvValueArbitrary, ttl)
      .map(([k, v, t]) => step(`set(${k}, ${show(v)}, ${t})`, (kv) => kv.set(k, v, opts(t)))),
    kvKeyArbitrary.map((k) => step(`get(${k})`, (kv) => kv.get(k))),
    kvKeyArbitrary.map((k) => step(`delete(${k})`, (kv) => kv.delete(k))),
    kvKeyArbitrary.map((k) => step(`exists(${k})`, (kv) => kv.exists(k))),
    fc
      .tuple(kvKeyArbitrary, fc.bigInt({ min: -1000n, max: 1000n }))
      .map(([k, d]) => step(`increment(${k}, ${d})`, (kv) => kv.increment(k, d))),
    fc
      .tuple(
        kvKeyArbitrary,
        fc.option(kvValueArbitrary, { nil: undefined }),
        fc.option(kvValueArbitrary, { nil: undefined }),
        ttl,
      )
      .map(([k, e, d, t]) =>
        step(`cas(${k}, ${show(e)}, ${show(d)}, ${t})`, (kv) => kv.compareAndSwap(k, e, d, opts(t))),
      ),
    fc
      .tuple(kvKeyArbitrary, fc.array(kvKeyArbitrary, { maxLength: 5 }))
      .map(([p, ks]) => step(`getMany(${ks})`, (kv) => kv.getMany([p, ...ks]))),
    fc
      .array(fc.tuple(kvKeyArbitrary, kvValueArbitrary), { maxLength: 5 })
      .map((es) => step(`setMany(${es.length})`, (kv) => kv.setMany(es.map(([key, value]) => ({ key, value }))))),
    fc.array(kvKeyArbitrary, { maxLength: 5 }).map((ks) => step(`deleteMany(${ks})`, (kv) => kv.deleteMany(ks))),
    // Compare-and-swap against the value the key holds now, so that swaps succeed as often as they fail.
    fc.tuple(kvKeyArbitrary, fc.option(kvValueArbitrary, { nil: undefined })).map(
      ([k, d]): Step => ({
        check: () => true,
        async run(_, pair) {
          const current = await pair.model.get(k);
          const expected = current.isOk() ? current.value : undefined;
          await step(`cas-current(${k}, ${show(d)})`, (kv) => kv.compareAndSwap(k, expected, d)).run({}, pair);
        },
        toString: () => `cas-current(${k}, ${show(d)})`,
      }),
    ),
    fc
      .tuple(fc.constantFrom('', 'a', 'ab', 'b', 'é', '😀'), fc.integer({ min: 1, max: 4 }))
      .map(([prefix, limit]) => step(`scan(${prefix}, ${limit})`, (kv) => kv.scan({ prefix, limit }))),
  ];
  if (withTtl) {
    commands.push(
      fc.tuple(kvKeyArbitrary, ttl).map(([k, t]) => step(`expire(${k}, ${t})`, (kv) => kv.expire(k, t))),
      kvKeyArbitrary.map((k) => step(`ttl(${k})`, (kv) => kv.ttl(k))),
      fc.integer({ min: 1, max: 3_000 }).map(
        (ms): Step => ({
          check: () => true,
          run: async (_, pair) => pair.advance(ms),
          toString: () => `advance(${ms})`,
        }),
      ),
    );
  }

  h.test('behaves like the reference model under random commands', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'max' }), async (cmds) => {
        const { instance: real, context } = await h.create();
        const model = h.adopt(createReferenceKv(context.clock));
        await fc.asyncModelRun(
          () => ({ model: {}, real: { real, model, advance: (ms) => context.clock.advance(ms) } }),
          cmds,
        );
      }),
      { numRuns },
    );
  });

  h.test('round-trips random values of every type', async () => {
    const kv = await h.kv();
    await fc.assert(
      fc.asyncProperty(kvKeyArbitrary, kvValueArbitrary, async (key, value) => {
        expectOk(await kv.set(key, value));
        expect(comparable(expectOk(await kv.get(key)))).toEqual(comparable(value));
      }),
      { numRuns: numRuns * 5 },
    );
  });
}
