import { beforeEach, describe, expect, it } from 'vitest';
import {
  AdapterRegistry,
  KeelStartupError,
  createKeel,
  createToken,
  defineConfig,
  instanceToken,
  registerAdapter,
  tokens,
  type Kv,
} from '../src/index.js';
import { expectOk } from '../src/testing/index.js';
import { createRecordingKv, events } from './fixtures/recording-adapters.js';

const fixture = new URL('./fixtures/recording-adapters.ts', import.meta.url).pathname;

beforeEach(() => {
  events.length = 0;
});

describe('createKeel', () => {
  it('builds the default kv and exposes it as keel.kv and through its token', async () => {
    const keel = (await createKeel({ kv: { adapter: 'memory' } }, { env: false }))._unsafeUnwrap();
    expectOk(await keel.kv.set('hello', 'world'));
    expect(expectOk(await keel.kv.get('hello'))).toBe('world');
    expect(keel.resolve(tokens.kv)).toBe(keel.resolve(instanceToken('kv', 'default')));
    expect(expectOk(await keel.resolve(tokens.kv).get('hello'))).toBe('world');
    // The synchronous facet comes through the accessor too (in-thread wasm guests use it).
    expect(expectOk(keel.kv.sync!.get('hello'))).toBe('world');
    expect(keel.instances).toEqual([{ interface: 'kv', name: 'default', adapter: 'memory' }]);
    const wide = keel as unknown as { sql: unknown };
    expect(() => wide.sql).toThrow("keel.sql: no sql instance is configured; add a 'sql' section to the config");
    await keel.close();
  });

  it('serves named instances through the callable accessor', async () => {
    const config = defineConfig({ kv: { cache: { adapter: 'memory' }, sessions: { adapter: 'memory' } } });
    const keel = (await createKeel(config, { env: false }))._unsafeUnwrap();
    expectOk(await keel.kv('sessions').set('s', 'x'));
    expect(expectOk(await keel.kv('cache').get('s'))).toBeUndefined();
    // With no instance named `default`, the first one configured is the default.
    expect(keel.resolve(tokens.kv)).toBe(keel.kv('cache'));
    expect(expectOk(await keel.kv.get('s'))).toBeUndefined();
    expect(() => keel.kv('nope' as 'cache')).toThrow("keel.kv('nope'): no such instance (configured: cache, sessions)");
    await keel.close();
  });

  it('builds later interfaces on earlier ones, closes in reverse order, once', async () => {
    const keel = (
      await createKeel(
        {
          kv: { adapter: 'recording', module: fixture, export: 'createRecordingKv' },
          sql: { main: { adapter: 'kv-backed', module: fixture, export: 'createKvBackedSql' } },
        },
        { env: false },
      )
    )._unsafeUnwrap();
    expect(expectOk(await keel.sql.query('SELECT adapter')).rows).toEqual([['recording']]);
    await keel.close();
    await keel[Symbol.asyncDispose]();
    expect(events).toEqual([
      'open kv.default',
      'open sql.main (kv is recording)',
      'close sql.main',
      'close kv.default',
    ]);
  });

  it('returns Err(KeelStartupError) when an adapter cannot open, closing what had opened', async () => {
    const result = await createKeel(
      {
        kv: {
          first: { adapter: 'recording', module: fixture, export: 'createRecordingKv' },
          second: { adapter: 'recording', module: fixture, export: 'createRecordingKv', options: { failOpen: true } },
        },
      },
      { env: false },
    );
    expect(result.isErr()).toBe(true);
    const error = result._unsafeUnwrapErr();
    expect(error).toBeInstanceOf(KeelStartupError);
    expect(error.code).toBe('OPEN_FAILED');
    expect(error.failures[0]?.error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain('kv.second (recording): store second is locked by another process [UNAVAILABLE]');
    // A driver whose open failed is not closed: it holds nothing.
    expect(events).toEqual(['open kv.first', 'open kv.second', 'close kv.first']);
  });

  it('reports health per instance', async () => {
    const keel = (
      await createKeel({ kv: { a: { adapter: 'memory' }, b: { adapter: 'memory' } } }, { env: false })
    )._unsafeUnwrap();
    const reports = await keel.health();
    expect(reports.map((r) => [r.interface, r.name, r.adapter, r.ok])).toEqual([
      ['kv', 'a', 'memory', true],
      ['kv', 'b', 'memory', true],
    ]);
    await keel.close();
    expect((await keel.health()).every((r) => !r.ok)).toBe(true);
  });

  it('registers app services built from Keel, made once, resolved by token', async () => {
    const keel = (await createKeel({ kv: { adapter: 'memory' } }, { env: false }))._unsafeUnwrap();
    const counter = createToken<{ next(): Promise<bigint> }>('counter');
    let made = 0;
    keel.register(counter, {
      useFactory: (k) => {
        made++;
        const kv: Kv = k.kv;
        return { next: async () => expectOk(await kv.increment('counter')) };
      },
    });
    expect(await keel.resolve(counter).next()).toBe(1n);
    expect(await keel.resolve(counter).next()).toBe(2n);
    expect(made).toBe(1);
    expect(() => keel.resolve(createToken('unknown'))).toThrow('nothing is registered');
    await keel.close();
  });

  it('uses adapters from registerAdapter and from a scoped registry', async () => {
    registerAdapter({ interface: 'kv', id: 'recording-global', load: async () => createRecordingKv });
    expect(() =>
      registerAdapter({ interface: 'kv', id: 'recording-global', load: async () => createRecordingKv }),
    ).toThrow('already registered');
    const global = (await createKeel({ kv: { adapter: 'recording-global' } as never }, { env: false }))._unsafeUnwrap();
    expect(global.kv.adapter).toBe('recording');
    await global.close();

    const registry = new AdapterRegistry([{ interface: 'kv', id: 'only-here', load: async () => createRecordingKv }]);
    const scoped = (
      await createKeel({ kv: { adapter: 'only-here' } as never }, { env: false, registry })
    )._unsafeUnwrap();
    await scoped.close();
    await expect(createKeel({ kv: { adapter: 'memory' } }, { env: false, registry })).rejects.toThrow(
      "unknown kv adapter 'memory'",
    );
  });

  it('rejects a module whose factory returns something that is not the interface', async () => {
    await expect(
      createKeel({ sql: { adapter: 'wrong', module: fixture, export: 'createRecordingKv' } }, { env: false }),
    ).rejects.toThrow(
      "sql: adapter 'wrong' did not return a sql instance (missing: query, execute, executeScript, begin)",
    );
  });
});
