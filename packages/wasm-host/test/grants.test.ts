import { createLevelKv } from '@keel/adapter-kv-level';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryExecutionLog, createWasmHost } from '../src/index.js';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
afterAll(() => cache.remove());

// Error results the fixtures return: 100 + the case index of the interface's error variant.
const KV_INVALID_ARGUMENT = 100;
const KV_INVALID_CURSOR = 103;
const KV_ACCESS_DENIED = 106;
const SQL_ACCESS_DENIED = 107;

// Isolated: kv-memory's async surface, bridged. In-thread: core's kv.sync of the same store.
describe.each(['isolated', 'in-thread'] as const)('kv grants (%s)', (mode) => {
  it('a prefix is a namespace the component cannot see or leave', async () => {
    const kv = createMemoryKv();
    const host = createWasmHost({ kv }, { cacheDir: cache.dir, logger: {}, mode });
    const guest = fixture('kv-guest');
    const a = expectOk(await host.load(guest.bytes, { id: 'a', grants: { kv: { prefix: 'tenant-a:' } } }));
    const b = expectOk(await host.load(guest.bytes, { id: 'b', grants: { kv: { prefix: 'tenant-b:' } } }));
    expectOk(await kv.set('outside', 'secret'));
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) expect(expectOk(await a.call('put', key, `a-${key}`))).toBe(0);
    expect(expectOk(await b.call('put', 'k1', 'b-k1'))).toBe(0);

    expect(expectOk(await kv.get('tenant-a:k1'))).toBe('a-k1');
    expect(expectOk(await a.call('fetch', 'k1'))).toBe('a-k1');
    expect(expectOk(await b.call('fetch', 'k1'))).toBe('b-k1');
    expect(expectOk(await a.call('probe', 'outside'))).toBe(0);
    // Scans list the namespace only, page by page through the cursor, with the prefix stripped.
    expect(expectOk(await a.call('keys', '', 2))).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
    expect(expectOk(await a.call('keys', 'k', 100))).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
    expect(expectOk(await b.call('keys', '', 1))).toEqual(['k1']);
    await host.close();
  });

  it("cursors are sealed: they reveal nothing, and one namespace cannot use another's", async () => {
    const kv = createMemoryKv();
    const host = createWasmHost({ kv }, { cacheDir: cache.dir, logger: {}, mode });
    const guest = fixture('kv-guest');
    const a = expectOk(await host.load(guest.bytes, { grants: { kv: { prefix: 'tenant-a:' } } }));
    const b = expectOk(await host.load(guest.bytes, { grants: { kv: { prefix: 'tenant-b:' } } }));
    for (const key of ['x', 'y']) {
      expectOk(await a.call('put', key, '1'));
      expectOk(await b.call('put', key, '1'));
    }
    const cursor = expectOk(await a.call<string>('first-cursor', ''));
    expect(cursor).toMatch(/^s1\./);
    expect(cursor).not.toContain(Buffer.from('tenant-a:').toString('base64url').slice(0, 8));
    expect(expectOk(await a.call('scan-from', '', cursor))).toBe(0);
    expect(expectOk(await b.call('scan-from', '', cursor))).toBe(KV_INVALID_CURSOR);
    expect(expectOk(await a.call('scan-from', '', `${cursor.slice(0, -2)}AA`))).toBe(KV_INVALID_CURSOR);
    await host.close();
  });

  it('a prefix must end at a separator: tenant1 cannot reach tenant10 by asking for 0:…', async () => {
    const kv = createMemoryKv();
    const host = createWasmHost({ kv }, { cacheDir: cache.dir, logger: {}, mode });
    const guest = fixture('kv-guest');
    expectOk(await kv.set('tenant10:secret', 'ten'));
    expectOk(await kv.set('tenant1:mine', 'one'));
    // The prefix that let the guest read tenant10:secret as "0:secret" is refused, naming the field.
    for (const prefix of ['tenant1', 'tenant1:x', 'a/b.']) {
      expect(() => host.load(guest.bytes, { grants: { kv: { prefix } } })).toThrow(
        /grants\.kv\.prefix: must end with ':' or '\/'/,
      );
    }
    // With a separator, the neighbour's keys are out of reach by get and by scan.
    const one = expectOk(await host.load(guest.bytes, { grants: { kv: { prefix: 'tenant1:' } } }));
    expect(expectOk(await one.call('fetch', '0:secret'))).toBeUndefined();
    expect(expectOk(await one.call('fetch', 'mine'))).toBe('one');
    expect(expectOk(await one.call('keys', '', 10))).toEqual(['mine']);
    expectOk(await host.load(guest.bytes, { grants: { kv: { prefix: 'tenant1/' } } }));
    await host.close();
  });

  it('an empty key stays invalid under a prefix', async () => {
    const host = createWasmHost({ kv: createMemoryKv() }, { cacheDir: cache.dir, logger: {}, mode });
    const a = expectOk(await host.load(fixture('kv-guest').bytes, { grants: { kv: { prefix: 'p:' } } }));
    expect(expectOk(await a.call('probe', ''))).toBe(KV_INVALID_ARGUMENT);
    await host.close();
  });

  it('a read-only grant refuses writes with access-denied and allows reads', async () => {
    const kv = createMemoryKv();
    const logger = collectingLogger();
    const host = createWasmHost({ kv }, { cacheDir: cache.dir, logger, mode });
    expectOk(await kv.set('k', 'v'));
    const c = expectOk(
      await host.load(fixture('kv-guest').bytes, { id: 'reader', grants: { kv: { readOnly: true } } }),
    );
    expect(expectOk(await c.call('put', 'k', 'w'))).toBe(KV_ACCESS_DENIED);
    expect(expectOk(await c.call('fetch', 'k'))).toBe('v');
    expect(
      logger.lines.some(
        (l) => l.message === 'denied a host call' && l.fields.component === 'reader' && l.fields.function === 'set',
      ),
    ).toBe(true);
    await host.close();
  });
});

describe('denied imports', () => {
  it('reach the guest as access-denied, not a trap, and are logged and counted', async () => {
    const logger = collectingLogger();
    const log = createMemoryExecutionLog();
    const host = createWasmHost(
      { kv: createMemoryKv(), sql: createSqliteSql({ filename: ':memory:' }) },
      { cacheDir: cache.dir, logger, executionLog: log },
    );
    const c = expectOk(await host.load(fixture('intruder').bytes, { id: 'intruder' }));
    expect(expectOk(await c.call('try-kv'))).toBe(KV_ACCESS_DENIED);
    expect(expectOk(await c.call('try-sql'))).toBe(SQL_ACCESS_DENIED);
    // The instance survived: denials are ordinary results.
    expect(expectOk(await c.call('try-kv'))).toBe(KV_ACCESS_DENIED);
    const denials = logger.lines.filter((l) => l.message === 'denied a host call');
    expect(denials.map((l) => `${String(l.fields.interface)}.${String(l.fields.function)}`)).toEqual([
      'kv.get',
      'sql.execute',
      'kv.get',
    ]);
    expect(denials.every((l) => l.fields.component === 'intruder' && l.fields.hash === c.hash)).toBe(true);
    expect(log.records().map((r) => [r.export, r.outcome, r.deniedCalls, r.hostCalls])).toEqual([
      ['try-kv', 'ok', 1, { kv: 1 }],
      ['try-sql', 'ok', 1, { sql: 1 }],
      ['try-kv', 'ok', 1, { kv: 1 }],
    ]);
    await host.close();
  });

  it('an interface granted without an adapter to serve it is refused at load', async () => {
    const host = createWasmHost({}, { cacheDir: cache.dir, logger: {} });
    expectErr(await host.load(fixture('intruder').bytes, { grants: { kv: true } }), 'UNAVAILABLE');
    expectErr(await host.load(fixture('intruder').bytes, { grants: { sql: 'read-write' } }), 'UNAVAILABLE');
    await host.close();
  });

  it('in-thread, an interface whose adapter cannot answer synchronously is refused at load', async () => {
    const folder = tempDir('keel-wasm-level-');
    const kv = createLevelKv({ location: folder.dir });
    const host = createWasmHost({ kv }, { cacheDir: cache.dir, logger: {}, mode: 'in-thread' });
    const refused = expectErr(await host.load(fixture('kv-guest').bytes, { grants: { kv: true } }), 'UNAVAILABLE');
    expect(refused.message).toContain("synchronous kv adapter (kv.sync); 'level' is not");
    // Isolated mode bridges the same LevelDB adapter.
    const isolated = createWasmHost({ kv }, { cacheDir: cache.dir, logger: {} });
    const c = expectOk(await isolated.load(fixture('kv-guest').bytes, { grants: { kv: true } }));
    expect(expectOk(await c.call('put', 'k', 'v'))).toBe(0);
    expect(expectOk(await kv.get('k'))).toBe('v');
    await Promise.all([host.close(), isolated.close()]);
    await kv.close();
    folder.remove();
  });
});

describe('WASI, deny by default', () => {
  it('no environment, no preopened directories; clocks and random work', async () => {
    process.env.KEEL_WASM_TEST_SECRET = 'do-not-leak';
    const host = createWasmHost({}, { cacheDir: cache.dir, logger: {} });
    const probe = expectOk(await host.load(fixture('wasi-probe').bytes, {}));
    expect(expectOk(await probe.call('env-count'))).toBe(0);
    expect(expectOk(await probe.call('preopen-count'))).toBe(0);
    const seconds = Number(expectOk(await probe.call<bigint>('now-seconds')));
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(60);
    const t1 = expectOk(await probe.call<bigint>('mono-now'));
    const t2 = expectOk(await probe.call<bigint>('mono-now'));
    expect(t2 > t1).toBe(true);
    expect(expectOk(await probe.call('random-u64'))).not.toBe(expectOk(await probe.call('random-u64')));
    const intruder = expectOk(await host.load(fixture('intruder').bytes, {}));
    expect(expectOk(await intruder.call('try-wasi'))).toBe(0);
    delete process.env.KEEL_WASM_TEST_SECRET;
    await host.close();
  });

  it('sees exactly the environment it is granted', async () => {
    const host = createWasmHost({}, { cacheDir: cache.dir, logger: {} });
    const c = expectOk(await host.load(fixture('intruder').bytes, { grants: { env: { REGION: 'eu', MODE: 'test' } } }));
    expect(expectOk(await c.call('try-wasi'))).toBe(2000);
    await host.close();
  });

  it.each(['in-thread', 'isolated'] as const)(
    'captures stdout and stderr into the execution record, capped (%s)',
    async (mode) => {
      const log = createMemoryExecutionLog();
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, executionLog: log, mode });
      const c = expectOk(await host.load(fixture('wasi-probe').bytes, { limits: { maxOutputBytes: 16 } }));
      expectOk(await c.call('say', 'hello, out'));
      expectOk(await c.call('complain', 'oops'));
      expectOk(await c.call('say', 'x'.repeat(100)));
      const [out, errs, long] = log.records();
      expect([out?.stdout, out?.stderr, out?.outputTruncated]).toEqual(['hello, out', '', false]);
      expect([errs?.stdout, errs?.stderr]).toEqual(['', 'oops']);
      expect([long?.stdout, long?.outputTruncated]).toEqual(['x'.repeat(16), true]);
      expect(long?.hostCalls['wasi:io/streams']).toBe(1);
      await host.close();
    },
  );
});

describe('log', () => {
  it.each(['in-thread', 'isolated'] as const)(
    'lands in the host logger with the component id and hash (%s)',
    async (mode) => {
      const logger = collectingLogger();
      const kv = createMemoryKv();
      const host = createWasmHost({ kv }, { cacheDir: cache.dir, logger, mode });
      const c = expectOk(await host.load(fixture('kv-guest').bytes, { id: 'greeter' }));
      expectOk(await c.call('hello', 'ada'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const line = logger.lines.find((l) => l.message === 'hello from a guest');
      expect(line).toEqual({
        level: 'info',
        message: 'hello from a guest',
        fields: { name: 'ada', n: 42, component: 'greeter', hash: c.hash },
      });
      await host.close();
    },
  );

  it('is dropped and counted as denied when not granted', async () => {
    const logger = collectingLogger();
    const log = createMemoryExecutionLog();
    const host = createWasmHost({}, { cacheDir: cache.dir, logger, executionLog: log, mode: 'in-thread' });
    const c = expectOk(await host.load(fixture('kv-guest').bytes, { grants: { log: false } }));
    expectOk(await c.call('hello', 'ada'));
    expect(logger.lines.some((l) => l.message === 'hello from a guest')).toBe(false);
    expect(log.records()[0]?.deniedCalls).toBe(1);
    await host.close();
  });
});
