import { createMemoryKv } from '@keel/adapter-kv-memory';
import type { Kv, KvError, Result, ResultAsync } from '@keel/core';
import { ManualClock, kvValueArbitrary } from '@keel/testing';
import fc from 'fast-check';

import { describe, expect, it } from 'vitest';
import { createLevelKv } from '../src/index.js';
import { expectIndexMatchesValues } from './disk-checks.js';
import { tempFolders } from './temp-folders.js';

const temp = tempFolders('model');

/**
 * The LevelDB adapter against kv-memory as the model: the same random commands on both, with one
 * manual clock, must give the same answers — values by type and bits, errors by code. Beyond the
 * conformance suite's model test it resumes scans from cursors between other commands, reopens
 * the store (TTLs and the expiry index must survive), runs the background sweep every few
 * milliseconds, and at the end checks the expiry index against the stored values on disk.
 */
interface World {
  real: Kv;
  readonly model: Kv;
  readonly clock: ManualClock;
  readonly location: string;
  /** The model's last cursor per prefix, to resume from. */
  readonly cursors: Map<string, string>;
}

type Command = fc.AsyncCommand<object, World>;

// Nested prefixes, a NUL, both sides of the UTF-8/UTF-16 order difference, astral characters.
const keys = fc.constantFrom(
  'a',
  'ab',
  'abc',
  'a:b',
  'a\u0000',
  'b',
  'ba',
  'é',
  'éa',
  '\u007f',
  '\u0080',
  '\ud7ff',
  '\ue000',
  '\uffff',
  '😀',
  '😀a',
  'a😀',
);
const prefixes = fc.constantFrom('', 'a', 'ab', 'a:', 'b', 'é', '\uffff', '😀', 'zz');
const ttls = fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: undefined });
const opts = (ttlMs: number | undefined) => (ttlMs === undefined ? {} : { ttlMs });

function comparable(value: unknown): unknown {
  if (typeof value === 'number') return `f64:${Object.is(value, -0) ? '-0' : String(value)}`;
  if (typeof value === 'bigint') return `s64:${value}`;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(comparable);
  if (value instanceof Error) return { error: (value as KvError).code };
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  return value;
}

const show = (v: unknown) => JSON.stringify(comparable(v));
const outcome = (r: Result<unknown, unknown>) => comparable(r.isOk() ? { ok: r.value } : r.error);

function same(label: string, call: (kv: Kv, world: World) => ResultAsync<unknown, KvError>): Command {
  return {
    check: () => true,
    async run(_, world) {
      const real = await call(world.real, world);
      const model = await call(world.model, world);
      expect(outcome(real), label).toEqual(outcome(model));
    },
    toString: () => label,
  };
}

function act(label: string, run: (world: World) => Promise<void> | void): Command {
  return { check: () => true, run: async (_, world) => run(world), toString: () => label };
}

const commands = [
  fc
    .tuple(keys, kvValueArbitrary, ttls)
    .map(([k, v, t]) => same(`set(${show(k)}, ${show(v)}, ${t})`, (kv) => kv.set(k, v, opts(t)))),
  keys.map((k) => same(`get(${show(k)})`, (kv) => kv.get(k))),
  keys.map((k) => same(`delete(${show(k)})`, (kv) => kv.delete(k))),
  keys.map((k) => same(`exists(${show(k)})`, (kv) => kv.exists(k))),
  fc
    .tuple(keys, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }))
    .map(([k, d]) => same(`increment(${show(k)}, ${d})`, (kv) => kv.increment(k, d))),
  fc
    .tuple(keys, fc.bigInt({ min: -5n, max: 5n }))
    .map(([k, d]) => same(`increment(${show(k)}, ${d})`, (kv) => kv.increment(k, d))),
  fc
    .tuple(keys, fc.option(kvValueArbitrary, { nil: undefined }), fc.option(kvValueArbitrary, { nil: undefined }), ttls)
    .map(([k, e, d, t]) =>
      same(`cas(${show(k)}, ${show(e)}, ${show(d)}, ${t})`, (kv) => kv.compareAndSwap(k, e, d, opts(t))),
    ),
  // Against what the key holds now, so that swaps succeed as often as they fail.
  fc.tuple(keys, fc.option(kvValueArbitrary, { nil: undefined }), ttls).map(([k, d, t]) =>
    act(`cas-current(${show(k)}, ${show(d)}, ${t})`, async (world) => {
      const current = (await world.model.get(k))._unsafeUnwrap();
      await same('', (kv) => kv.compareAndSwap(k, current, d, opts(t))).run({}, world);
    }),
  ),
  fc.tuple(keys, ttls).map(([k, t]) => same(`expire(${show(k)}, ${t})`, (kv) => kv.expire(k, t))),
  keys.map((k) => same(`ttl(${show(k)})`, (kv) => kv.ttl(k))),
  fc.array(keys, { maxLength: 6 }).map((ks) => same(`getMany(${show(ks)})`, (kv) => kv.getMany(ks))),
  fc.tuple(fc.array(fc.tuple(keys, kvValueArbitrary), { maxLength: 6 }), ttls).map(([es, t]) =>
    same(`setMany(${show(es)}, ${t})`, (kv) =>
      kv.setMany(
        es.map(([key, value]) => ({ key, value })),
        opts(t),
      ),
    ),
  ),
  fc.array(keys, { maxLength: 6 }).map((ks) => same(`deleteMany(${show(ks)})`, (kv) => kv.deleteMany(ks))),
  // A first page, remembering the model's cursor; later, the next page from it, whatever happened in between.
  fc.tuple(prefixes, fc.integer({ min: 1, max: 4 })).map(([prefix, limit]) =>
    act(`scan(${show(prefix)}, ${limit})`, async (world) => {
      await same('', (kv) => kv.scan({ prefix, limit })).run({}, world);
      remember(world, prefix, (await world.model.scan({ prefix, limit }))._unsafeUnwrap().cursor);
    }),
  ),
  fc.tuple(prefixes, fc.integer({ min: 1, max: 4 })).map(([prefix, limit]) =>
    act(`scan-next(${show(prefix)}, ${limit})`, async (world) => {
      const cursor = world.cursors.get(prefix);
      if (cursor === undefined) return;
      await same('', (kv) => kv.scan({ prefix, limit, cursor })).run({}, world);
      remember(world, prefix, (await world.model.scan({ prefix, limit, cursor }))._unsafeUnwrap().cursor);
    }),
  ),
  fc.integer({ min: 1, max: 3_000 }).map((ms) => act(`advance(${ms})`, ({ clock }) => clock.advance(ms))),
  fc.constant(
    act('reopen', async (world) => {
      await world.real.close();
      world.real = open(world.location, world.clock);
    }),
  ),
];

function remember(world: World, prefix: string, cursor: string | undefined): void {
  if (cursor === undefined) world.cursors.delete(prefix);
  else world.cursors.set(prefix, cursor);
}

let runs = 0;
function open(location: string, clock: ManualClock): Kv {
  return createLevelKv({ location, clock, sweepIntervalMs: 2 });
}

describe('level kv against kv-memory as the model', () => {
  it('answers every random command the same way, TTLs included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 80, size: 'max' }), async (cmds) => {
        const clock = new ManualClock();
        const location = temp.folder(`run-${runs++}`);
        const world: World = {
          real: open(location, clock),
          model: createMemoryKv({ clock }),
          clock,
          location,
          cursors: new Map(),
        };
        try {
          await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
        } finally {
          await Promise.all([world.real.close(), world.model.close()]);
        }
        await expectIndexMatchesValues(location);
      }),
      { numRuns: 120 },
    );
  }, 60_000);
});
