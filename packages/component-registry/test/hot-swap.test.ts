import { ResultAsync, type Sql } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { type WasmHost, createWasmHost } from '@keel/wasm-host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComponentRegistry, createComponentRegistry } from '../src/index.js';
import { testDatabases, versioned } from './support/versioned.js';

// One database is enough here: what is tested is the routing in the process, not the SQL.
const dbs = await testDatabases('swap');
afterAll(() => dbs.cleanup());
const target = dbs.targets[0];
if (!target) throw new Error('no SQLite target');

describe('hot swap', () => {
  let sql: Sql;
  let host: WasmHost;
  let registry: ComponentRegistry;
  beforeAll(async () => {
    sql = target.open();
    host = createWasmHost({}, { cacheDir: false });
    registry = createComponentRegistry(sql, host);
    expectOk(await registry.migrate());
    for (const n of [1, 2, 3])
      expectOk(await registry.upload({ name: 'swap', version: `v${n}`, bytes: await versioned(n) }));
    expectOk(await registry.activate('swap', 'v1'));
  });
  afterAll(async () => {
    await registry.close();
    await host.close();
    await sql.close();
  });

  it('20 swaps under a stream of calls: none fails, and each activation serves the next call', async () => {
    const live = registry.component('swap');
    const served: unknown[] = [];
    const failures: unknown[] = [];
    let stop = false;
    const callers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await live.call('version');
        if (r.isOk()) served.push(r.value);
        else failures.push(r.error);
      }
    });
    for (let i = 0; i < 20; i++) {
      const next = ((i + 1) % 3) + 1;
      expectOk(await registry.activate('swap', `v${next}`));
      expect(expectOk(await live.call('version'))).toBe(next);
    }
    stop = true;
    await Promise.all(callers);
    expect(failures).toEqual([]);
    expect(new Set(served)).toEqual(new Set([1, 2, 3]));
  });

  it('a call in flight finishes on the version it started on; the old version closes after it', async () => {
    expectOk(await registry.activate('swap', 'v1'));
    const live = registry.component('swap');
    const slow = live.call('slow', 50_000_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expectOk(await registry.activate('swap', 'v2'));
    expect(expectOk(await slow)).toBe(1);
    expect(expectOk(await live.call('version'))).toBe(2);
  });

  it('a routing read that began before an activation here does not serve the old version after it', async () => {
    const { gated, hold, open } = gatedRouting(sql);
    const here = createComponentRegistry(gated, host, { refreshMs: 60_000 });
    const live = here.component('swap');
    expectOk(await here.activate('swap', 'v1'));
    expect(expectOk(await live.call('version'))).toBe(1);
    expectOk(await here.activate('swap', 'v2'));
    hold();
    const early = live.call('version'); // reads the routing of v2, answered later
    expectOk(await here.activate('swap', 'v3'));
    open();
    expect(expectOk(await live.call('version'))).toBe(3);
    expect([2, 3]).toContain(expectOk(await early));
    await here.close();
  });

  it('a call whose routing read is in flight at close loads nothing: CLOSED', async () => {
    const { gated, hold, open } = gatedRouting(sql);
    let loads = 0;
    const counting: WasmHost = {
      load: (...args) => {
        loads++;
        return host.load(...args);
      },
      executionLog: host.executionLog,
      logger: host.logger,
      close: () => host.close(),
      [Symbol.asyncDispose]: () => host.close(),
    };
    const here = createComponentRegistry(gated, counting, { refreshMs: 60_000 });
    hold();
    const call = here.component('swap').call('version');
    await here.close();
    open();
    expectErr(await call, 'CLOSED');
    expect(loads).toBe(0);
  });

  it('another process sees an activation within its refreshMs, and a rollback is one call', async () => {
    const other = target.open(); // a second connection to the same file, as another process has
    const otherHost = createWasmHost({}, { cacheDir: false, mode: 'in-thread' });
    const elsewhere = createComponentRegistry(other, otherHost, { refreshMs: 0 });
    const there = elsewhere.component('swap');
    expectOk(await registry.activate('swap', 'v3'));
    expect(expectOk(await there.call('version'))).toBe(3);
    expect(expectOk(await registry.rollback('swap'))).toBe('v2');
    expect(expectOk(await there.call('version'))).toBe(2);
    await elsewhere.close();
    await otherHost.close();
    await other.close();
  });
});

/** The sql, with the registry's routing reads answering when `open()` is called after `hold()`, with what they read when sent. */
function gatedRouting(sql: Sql) {
  let gate: Promise<void> | undefined;
  let opened = () => {};
  const gated: Sql = {
    ...sql,
    query: (statement, params) => {
      const read = sql.query(statement, params);
      const held = gate;
      return held && statement.includes('canary_basis_points') ? new ResultAsync(held.then(() => read)) : read;
    },
  };
  return {
    gated,
    hold: () => {
      gate = new Promise((resolve) => (opened = resolve));
    },
    open: () => opened(),
  };
}
