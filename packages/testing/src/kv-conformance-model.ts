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
  /** Lets time pass for both: moves the shared clock, and waits too when the adapter keeps real time. */
  readonly elapse: (ms: number) => Promise<void>;
}

type Step = fc.AsyncCommand<object, Pair>;

const HOUR = 3_600_000;

/**
 * A comparable form of any result: numbers by bits (`NaN`, `-0`), bytes by content, errors by
 * code. With `ttlKindOnly`, a `ttl` answer by its kind: two clocks agree on `never` and
 * `after-ms`, not on the milliseconds left.
 */
function comparable(value: unknown, ttlKindOnly = false): unknown {
  if (typeof value === 'number') return `f64:${Object.is(value, -0) ? '-0' : String(value)}`;
  if (typeof value === 'bigint') return `s64:${value}`;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map((v) => comparable(v, ttlKindOnly));
  if (value && typeof value === 'object') {
    if ('code' in value && value instanceof Error) return { error: (value as { code: string }).code };
    if (ttlKindOnly && 'kind' in value) return { kind: (value as { kind: string }).kind };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v, ttlKindOnly)]));
  }
  return value;
}

function stepOf(ttlKindOnly: boolean) {
  return (label: string, call: (kv: Kv) => ResultAsync<unknown, unknown>): Step => ({
    check: () => true,
    async run(_, { real, model }) {
      const [r, m] = await Promise.all([call(real), call(model)]);
      const asComparable = (x: Result<unknown, unknown>) =>
        comparable(x.isOk() ? { ok: x.value } : x.error, ttlKindOnly);
      expect(asComparable(r), label).toEqual(asComparable(m));
    },
    toString: () => label,
  });
}

/**
 * The contract against the reference model under random commands. With the `ttl` capability,
 * expiry is in the commands too. An adapter on manual time shares the model's clock, so TTLs are
 * random and time moves in random steps. One on real time (a server keeps its own clock, which no
 * test can move) gets TTLs without timing races instead: either an hour (nothing expires during a
 * run) or 1 ms followed by a 5 ms wait on both sides (the key is gone in both); `ttl` answers are
 * compared by kind.
 */
export function modelTests(h: KvHarness): void {
  const numRuns = h.options.numRuns ?? 40;
  const withTtl = h.options.capabilities.ttl;
  const realTime = h.options.time === 'real';
  const step = stepOf(realTime);
  const ttl = !withTtl
    ? fc.constant(undefined)
    : realTime
      ? fc.constantFrom(undefined, HOUR)
      : fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: undefined });
  const opts = (ttlMs: number | undefined) => (ttlMs === undefined ? {} : { ttlMs });
  const show = (v: unknown) => String(comparable(v));
  /** A call that gives a key 1 ms to live, then lets 5 ms pass on both sides. */
  const soon = (label: string, call: (kv: Kv) => ResultAsync<unknown, unknown>): Step => ({
    check: () => true,
    async run(model, pair) {
      await step(label, call).run(model, pair);
      await pair.elapse(5);
    },
    toString: () => label,
  });

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
    fc.tuple(fc.array(fc.tuple(kvKeyArbitrary, kvValueArbitrary), { maxLength: 5 }), ttl).map(([es, t]) =>
      step(`setMany(${es.length}, ${t})`, (kv) =>
        kv.setMany(
          es.map(([key, value]) => ({ key, value })),
          opts(t),
        ),
      ),
    ),
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
      fc
        .tuple(kvKeyArbitrary, kvValueArbitrary)
        .map(([k, v]) => soon(`set-soon(${k}, ${show(v)})`, (kv) => kv.set(k, v, { ttlMs: 1 }))),
      kvKeyArbitrary.map((k) => soon(`expire-soon(${k})`, (kv) => kv.expire(k, 1))),
    );
    if (!realTime) {
      commands.push(
        fc.integer({ min: 1, max: 3_000 }).map(
          (ms): Step => ({
            check: () => true,
            run: async (_, pair) => pair.elapse(ms),
            toString: () => `advance(${ms})`,
          }),
        ),
      );
    }
  }

  h.test('behaves like the reference model under random commands', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'max' }), async (cmds) => {
        const { instance: real, context } = await h.create();
        const model = h.adopt(createReferenceKv(context.clock));
        await fc.asyncModelRun(
          () => ({ model: {}, real: { real, model, elapse: (ms) => h.elapse(context, ms) } }),
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
