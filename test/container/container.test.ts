import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import {
  KeelConfigError,
  KeelStartupError,
  createKeel,
  createToken,
  defineConfig,
  defineService,
  instanceToken,
  registerAdapter,
  tokens,
  type Kv,
} from '@keel/core';
import { defineAdapter } from '@keel/core/adapter';
import * as v from 'valibot';
import { expectOk } from '@keel/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { AdapterRegistry } from '../../packages/core/src/registry/adapter-registry.js';
import { events, kvBackedSqlAdapter, recordingKvAdapter } from './fixtures/recording-adapters.js';

const fixture = new URL('./fixtures/recording-adapters.ts', import.meta.url).pathname;
const adapters = [memoryKvAdapter, recordingKvAdapter, kvBackedSqlAdapter];

beforeEach(() => {
  events.length = 0;
});

describe('createKeel', () => {
  it('builds the default kv and exposes it as keel.kv and through its token', async () => {
    const keel = (await createKeel({ kv: { adapter: 'memory' } }, { env: false, adapters }))._unsafeUnwrap();
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
    const keel = (await createKeel(config, { env: false, adapters }))._unsafeUnwrap();
    expectOk(await keel.kv('sessions').set('s', 'x'));
    expect(expectOk(await keel.kv('cache').get('s'))).toBeUndefined();
    // With no instance named `default`, the first one configured is the default.
    expect(keel.resolve(tokens.kv)).toBe(keel.kv('cache'));
    expect(expectOk(await keel.kv.get('s'))).toBeUndefined();
    expect(() => keel.kv('nope' as 'cache')).toThrow("keel.kv('nope'): no such instance (configured: cache, sessions)");
    await keel.close();
  });

  it('starts an instance after the instances it needs, closes in reverse order, once', async () => {
    const keel = (
      await createKeel(
        {
          // sql is listed first but needs kv, so kv starts first.
          sql: { main: { adapter: 'kv-backed', options: { kv: 'store' } } },
          kv: { store: { adapter: 'recording', module: fixture, export: 'createRecordingKv' } },
        },
        { env: false, adapters },
      )
    )._unsafeUnwrap();
    expect(expectOk(await keel.sql.query('SELECT adapter')).rows).toEqual([['recording']]);
    await keel.close();
    await keel[Symbol.asyncDispose]();
    expect(events).toEqual(['open kv.store', 'open sql.main (kv is recording)', 'close sql.main', 'close kv.store']);
  });

  it("names a missing dependency in Keel's words, never the container's", async () => {
    const error = await createKeel({ sql: { adapter: 'kv-backed' } }, { env: false, adapters }).catch((e) => e);
    expect(error).toBeInstanceOf(KeelConfigError);
    expect(error.issues).toEqual([
      "sql: the sql adapter 'kv-backed' needs a kv instance, and none is configured: add a 'kv' section to the config",
    ]);
    const named = await createKeel(
      { kv: { adapter: 'memory' }, sql: { adapter: 'kv-backed', options: { kv: 'cache' } } },
      { env: false, adapters },
    ).catch((e) => e);
    expect(named.issues).toEqual([
      "sql.options.kv: names the kv instance 'cache', which is not configured (configured: default)",
    ]);
    expect(String(named.message)).not.toMatch(/dependency token|tsyringe/i);
  });

  it('refuses instances that need each other', async () => {
    const loop = defineAdapter({
      interface: 'kv',
      id: 'loop',
      options: v.strictObject({ other: v.string() }),
      needs: (o) => [{ interface: 'kv', instance: o.other, option: 'other' }],
      create: () => {
        throw new Error('never built');
      },
    });
    const error = await createKeel(
      {
        kv: { a: { adapter: 'loop', options: { other: 'b' } }, b: { adapter: 'loop', options: { other: 'a' } } },
      } as never,
      { env: false, adapters: [loop] },
    ).catch((e) => e);
    expect(error.issues).toEqual(['kv.a: instances need each other: kv.a → kv.b']);
  });

  it('starts services after what they need, in their own order, and closes them first', async () => {
    const counter = createToken<{ next(): Promise<bigint> }>('counter');
    const report = createToken<() => Promise<string>>('report');
    const keel = (
      await createKeel(
        { kv: { adapter: 'recording', module: fixture, export: 'createRecordingKv' } },
        {
          env: false,
          adapters,
          services: [
            defineService({
              token: report,
              needs: [counter],
              create: (resolve) => {
                events.push('start report');
                const c = resolve(counter);
                return async () => `count ${await c.next()}`;
              },
              close: () => void events.push('close report'),
            }),
            defineService({
              token: counter,
              needs: [tokens.kv],
              create: (resolve) => {
                events.push('start counter');
                const kv = resolve(tokens.kv);
                return { next: async () => expectOk(await kv.increment('n')) };
              },
              close: () => void events.push('close counter'),
            }),
          ],
        },
      )
    )._unsafeUnwrap();
    expect(await keel.resolve(report)()).toBe('count 1');
    await keel.close();
    expect(events).toEqual([
      'open kv.default',
      'start counter',
      'start report',
      'close report',
      'close counter',
      'close kv.default',
    ]);
    await expect(
      createKeel(
        {},
        { env: false, services: [defineService({ token: report, needs: [counter], create: () => async () => '' })] },
      ),
    ).rejects.toThrow('services (Symbol(report)): needs Symbol(counter), which nothing provides');
  });

  it('returns Err(KeelStartupError) when an adapter cannot open, closing what had opened', async () => {
    const result = await createKeel(
      {
        kv: {
          first: { adapter: 'recording', module: fixture, export: 'createRecordingKv' },
          second: { adapter: 'recording', module: fixture, export: 'createRecordingKv', options: { failOpen: true } },
        },
      },
      { env: false, adapters },
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
      await createKeel({ kv: { a: { adapter: 'memory' }, b: { adapter: 'memory' } } }, { env: false, adapters })
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
    const keel = (await createKeel({ kv: { adapter: 'memory' } }, { env: false, adapters }))._unsafeUnwrap();
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

  it('uses adapters from registerAdapter and from a scoped registry, third-party ones like its own', async () => {
    const global = defineAdapter({ ...recordingKvAdapter, id: 'recording-global' });
    registerAdapter(global);
    registerAdapter(global);
    expect(() => registerAdapter(defineAdapter({ ...global }))).toThrow('already registered');
    const started = (
      await createKeel({ kv: { adapter: 'recording-global' } as never }, { env: false })
    )._unsafeUnwrap();
    expect(started.kv.adapter).toBe('recording');
    await started.close();

    const registry = new AdapterRegistry([defineAdapter({ ...recordingKvAdapter, id: 'only-here' })]);
    const scoped = (
      await createKeel({ kv: { adapter: 'only-here' } as never }, { env: false, registry })
    )._unsafeUnwrap();
    await scoped.close();
    await expect(createKeel({ kv: { adapter: 'nope' } as never }, { env: false, registry })).rejects.toThrow(
      "unknown kv adapter 'nope'",
    );
  });

  it('rejects a module whose factory returns something that is not the interface', async () => {
    await expect(
      createKeel({ sql: { adapter: 'wrong', module: fixture, export: 'createRecordingKv' } }, { env: false, adapters }),
    ).rejects.toThrow(
      "sql: adapter 'wrong' did not return a sql instance (missing: query, execute, executeScript, begin)",
    );
  });
});
