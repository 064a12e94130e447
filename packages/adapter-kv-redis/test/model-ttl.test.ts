import type { Kv, KvError, Result, ResultAsync } from '@keel/core';
import { ManualClock, createReferenceKv, kvValueArbitrary, testRedis } from '@keel/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisKv } from '../src/index.js';

/**
 * The conformance suite's model test leaves TTLs out for adapters on real time: Redis keeps its
 * own clock, which no test can move. This one puts them back without timing races: a TTL is
 * either an hour (nothing expires during a run) or 1 ms followed by a 5 ms wait on both sides
 * (the key is gone in both), and `ttl` is compared by kind (`never` or `after-ms`), not by ms.
 */
const redis = await testRedis();
const server = redis.server;

interface World {
  readonly real: Kv;
  readonly model: Kv;
  readonly clock: ManualClock;
}
type Command = fc.AsyncCommand<object, World>;

const HOUR = 3_600_000;
const keys = fc.constantFrom('a', 'ab', 'abc', 'b', 'é', '\uffff', '😀', 'a😀');
const prefixes = fc.constantFrom('', 'a', 'ab', 'b', '😀');
const ttls = fc.constantFrom(undefined, HOUR);
const opts = (ttlMs: number | undefined) => (ttlMs === undefined ? {} : { ttlMs });

function comparable(value: unknown): unknown {
  if (typeof value === 'number') return `f64:${Object.is(value, -0) ? '-0' : String(value)}`;
  if (typeof value === 'bigint') return `s64:${value}`;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(comparable);
  if (value instanceof Error) return { error: (value as KvError).code };
  if (value && typeof value === 'object') {
    // A TTL's milliseconds differ between two clocks; its kind may not.
    if ('kind' in value) return { kind: (value as { kind: string }).kind };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}
const show = (v: unknown) => JSON.stringify(comparable(v));
const outcome = (r: Result<unknown, unknown>) => comparable(r.isOk() ? { ok: r.value } : r.error);

function same(label: string, call: (kv: Kv) => ResultAsync<unknown, KvError>): Command {
  return {
    check: () => true,
    async run(_, world) {
      const [real, model] = [await call(world.real), await call(world.model)];
      expect(outcome(real), label).toEqual(outcome(model));
    },
    toString: () => label,
  };
}

/** Gives a key 1 ms to live, then lets 5 ms pass on both sides. */
function soon(label: string, call: (kv: Kv) => ResultAsync<unknown, KvError>): Command {
  return {
    check: () => true,
    async run(_, world) {
      await same(label, call).run({}, world);
      await new Promise((resolve) => setTimeout(resolve, 5));
      world.clock.advance(5);
    },
    toString: () => label,
  };
}

const commands = [
  fc
    .tuple(keys, kvValueArbitrary, ttls)
    .map(([k, v, t]) => same(`set(${show(k)}, ${show(v)}, ${t})`, (kv) => kv.set(k, v, opts(t)))),
  fc
    .tuple(keys, kvValueArbitrary)
    .map(([k, v]) => soon(`set-soon(${show(k)}, ${show(v)})`, (kv) => kv.set(k, v, { ttlMs: 1 }))),
  keys.map((k) => same(`get(${show(k)})`, (kv) => kv.get(k))),
  keys.map((k) => same(`delete(${show(k)})`, (kv) => kv.delete(k))),
  keys.map((k) => same(`exists(${show(k)})`, (kv) => kv.exists(k))),
  fc
    .tuple(keys, fc.bigInt({ min: -5n, max: 5n }))
    .map(([k, d]) => same(`increment(${show(k)}, ${d})`, (kv) => kv.increment(k, d))),
  fc
    .tuple(keys, fc.option(kvValueArbitrary, { nil: undefined }), fc.option(kvValueArbitrary, { nil: undefined }), ttls)
    .map(([k, e, d, t]) =>
      same(`cas(${show(k)}, ${show(e)}, ${show(d)}, ${t})`, (kv) => kv.compareAndSwap(k, e, d, opts(t))),
    ),
  fc.tuple(keys, fc.option(kvValueArbitrary, { nil: undefined }), ttls).map(
    ([k, d, t]): Command => ({
      check: () => true,
      async run(_, world) {
        const current = (await world.model.get(k))._unsafeUnwrap();
        await same('', (kv) => kv.compareAndSwap(k, current, d, opts(t))).run({}, world);
      },
      toString: () => `cas-current(${show(k)}, ${show(d)}, ${t})`,
    }),
  ),
  fc.tuple(keys, ttls).map(([k, t]) => same(`expire(${show(k)}, ${t})`, (kv) => kv.expire(k, t))),
  keys.map((k) => soon(`expire-soon(${show(k)})`, (kv) => kv.expire(k, 1))),
  keys.map((k) => same(`ttl(${show(k)})`, (kv) => kv.ttl(k))),
  fc.array(keys, { maxLength: 5 }).map((ks) => same(`getMany(${show(ks)})`, (kv) => kv.getMany(ks))),
  fc.tuple(fc.array(fc.tuple(keys, kvValueArbitrary), { maxLength: 5 }), ttls).map(([es, t]) =>
    same(`setMany(${show(es)}, ${t})`, (kv) =>
      kv.setMany(
        es.map(([key, value]) => ({ key, value })),
        opts(t),
      ),
    ),
  ),
  fc.array(keys, { maxLength: 5 }).map((ks) => same(`deleteMany(${show(ks)})`, (kv) => kv.deleteMany(ks))),
  fc
    .tuple(prefixes, fc.integer({ min: 1, max: 4 }))
    .map(([p, l]) => same(`scan(${show(p)}, ${l})`, (kv) => kv.scan({ prefix: p, limit: l }))),
];

describe.skipIf(redis.skip)('redis kv against the reference model, TTLs included', () => {
  afterAll(() => server?.cleanup());

  it('answers every random command the same way', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 50, size: 'max' }), async (cmds) => {
        const clock = new ManualClock();
        const world: World = {
          real: createRedisKv({ url: server?.url, keyPrefix: server?.prefix('model') }),
          model: createReferenceKv(clock),
          clock,
        };
        try {
          await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
        } finally {
          await Promise.all([world.real.close(), world.model.close()]);
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
