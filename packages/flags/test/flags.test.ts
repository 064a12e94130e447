import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createRedisKv } from '@keel/adapter-kv-redis';
import { type Kv, ResultAsync } from '@keel/core';
import { expectErr, expectOk, testRedis } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createFlags, type FlagsError } from '../src/index.js';

const redis = await testRedis();
afterAll(() => redis.server?.cleanup());

// Two processes' views of one store: on Redis two connections, in memory one shared store.
const targets: { name: string; skip?: string; pair: () => [Kv, Kv] }[] = [
  { name: 'kv-memory', pair: () => Array(2).fill(createMemoryKv()) as [Kv, Kv] },
  {
    name: 'kv-redis',
    ...(redis.skip ? { skip: redis.skip } : {}),
    pair: () => {
      const keyPrefix = redis.server?.prefix('flags') ?? '';
      const url = redis.server?.url ?? '';
      return [createRedisKv({ url, keyPrefix }), createRedisKv({ url, keyPrefix })];
    },
  },
];

const eventually = async (check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe.each(targets)('flags on $name', ({ skip, pair }) => {
  it.skipIf(skip !== undefined)(
    `change at run time, seen by another process${skip ? ` — skipped: ${skip}` : ''}`,
    async () => {
      const [kvA, kvB] = pair();
      const config = { flags: { checkout: { type: 'boolean' as const, default: false } }, refreshMs: 10 };
      const a = createFlags(kvA, config);
      const errors: FlagsError[] = [];
      const b = createFlags(kvB, { ...config, onError: (e) => errors.push(e) });
      expectOk(await a.ready());
      expectOk(await b.ready());
      const changes: string[][] = [];
      b.onChange((keys) => changes.push(keys));
      expect(expectOk(b.evaluate('checkout', { targetingKey: 'u1' })).value).toBe(false);

      expectOk(
        await a.set('checkout', {
          type: 'boolean',
          default: false,
          rules: [{ when: [{ attribute: 'plan', op: 'eq', value: 'pro' }], value: true }],
        }),
      );
      expect(expectOk(a.evaluate('checkout', { plan: 'pro' })).value).toBe(true); // at once here
      await eventually(() => b.evaluate('checkout', { plan: 'pro' }).unwrapOr({ value: false }).value === true);
      expect(changes).toContainEqual(['checkout']);

      expectOk(await a.setEnabled('checkout', false)); // the kill switch
      await eventually(() => b.evaluate('checkout', { plan: 'pro' }).unwrapOr({ reason: '' }).reason === 'DISABLED');

      expectOk(await a.remove('checkout')); // back to config
      await eventually(() => b.list().find((f) => f.key === 'checkout')?.source === 'config');

      await kvA.set('flags:broken', '{"type":"boolean"'); // not a definition: reported, ignored
      await eventually(() => errors.some((e) => e.code === 'INVALID_FLAG'));
      expectErr(b.evaluate('broken'), 'FLAG_NOT_FOUND');

      a.close();
      b.close();
      await Promise.all([...new Set([kvA, kvB])].map((kv) => kv.close()));
    },
  );
});

describe('a refresh that read before a write here landed', () => {
  it('keeps the write: the flag is not turned back until the store says otherwise', async () => {
    const store = createMemoryKv();
    // The store's scans read at once and answer when the gate opens.
    let open = () => {};
    let gate = Promise.resolve();
    const kv: Kv = {
      ...store,
      scan: (...args) => {
        const read = store.scan(...args);
        return new ResultAsync(gate.then(() => read));
      },
    };
    const flags = createFlags(kv, { flags: { checkout: { type: 'boolean', default: false } }, refreshMs: 0 });
    expectOk(await flags.ready());
    gate = new Promise<void>((resolve) => (open = resolve));
    const staleRefresh = flags.ready();
    expectOk(await flags.set('checkout', { type: 'boolean', default: true }));
    open();
    expectOk(await staleRefresh);
    expect(expectOk(flags.evaluate('checkout')).value).toBe(true);
    // A later refresh reads the store again: another process's change wins from then on.
    expectOk(await store.set('flags:checkout', JSON.stringify({ type: 'boolean', default: false })));
    expectOk(await flags.ready());
    expect(expectOk(flags.evaluate('checkout')).value).toBe(false);
    flags.close();
  });
});

describe('the kill switch', () => {
  const rules = (value: string) => [{ when: [{ attribute: 'plan', op: 'eq' as const, value }], value: true }];
  const flag = (value: string) => ({ type: 'boolean' as const, default: false, rules: rules(value) });

  it('switches the definition kv holds now, keeping a rule another process changed since this one read', async () => {
    const kv = createMemoryKv();
    const a = createFlags(kv, { refreshMs: 0 });
    const b = createFlags(kv, { refreshMs: 0 });
    expectOk(await a.set('checkout', flag('pro')));
    expectOk(await b.ready()); // b's snapshot: the rule for 'pro'
    expectOk(await a.set('checkout', flag('team')));
    expectOk(await b.setEnabled('checkout', false));
    expectOk(await a.ready());
    expect(a.list().find((f) => f.key === 'checkout')?.definition).toEqual({ ...flag('team'), enabled: false });
    expect(expectOk(b.evaluate('checkout', { plan: 'team' })).reason).toBe('DISABLED');
  });

  it('tries again when another write lands between its read and its swap', async () => {
    const store = createMemoryKv();
    let interfere = true;
    const kv: Kv = {
      ...store,
      compareAndSwap: (key, expected, desired, options) => {
        if (!interfere) return store.compareAndSwap(key, expected, desired, options);
        interfere = false;
        return store
          .set(key, JSON.stringify(flag('team')))
          .andThen(() => store.compareAndSwap(key, expected, desired, options));
      },
    };
    const flags = createFlags(kv, { flags: { checkout: flag('pro') }, refreshMs: 0 });
    expectOk(await flags.ready());
    expectOk(await flags.setEnabled('checkout', false)); // config only: swapped against "absent", lost, tried again
    expect(JSON.parse(expectOk(await store.get('flags:checkout')) as string)).toEqual({
      ...flag('team'),
      enabled: false,
    });
    expectErr(await flags.setEnabled('nope', false), 'FLAG_NOT_FOUND');
  });
});

describe('bad input', () => {
  const flags = createFlags(createMemoryKv(), { flags: { limit: { type: 'number', default: 5 } }, refreshMs: 0 });
  it('typed errors, nothing stored', async () => {
    expectErr(flags.evaluate('nope'), 'FLAG_NOT_FOUND');
    expectErr(flags.evaluate('limit', {}, 'boolean'), 'TYPE_MISMATCH');
    const invalid = expectErr(await flags.set('limit', { type: 'number', default: 'five' } as never), 'INVALID_FLAG');
    expect(invalid.message).toContain('limit');
    expectErr(await flags.set('bad key!', { type: 'number', default: 1 }), 'INVALID_FLAG');
    expect(expectOk(flags.evaluate('limit')).value).toBe(5);
    expectErr(await flags.setEnabled('nope', false), 'FLAG_NOT_FOUND');
  });
  it('config that does not parse throws, naming the flag', () => {
    expect(() => createFlags(createMemoryKv(), { flags: { x: { type: 'boolean', default: 1 } as never } })).toThrow(
      /flags\.x/,
    );
  });
});
