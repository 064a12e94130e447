import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { expectErr, expectOk } from '@keel/testing';
import { createWasmHost } from '@keel/wasm-host';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jsGuestCacheDir, jsGuestPath } from '../../wasm-host/fixtures/js-guest/build-js-guest.js';
import { createComponentRegistry } from '../src/index.js';
import { testDatabases } from './support/versioned.js';

// The real JavaScript guest (componentize-js, ~12 MB; built once into the fixture cache) through
// the registry: upload, grants as data, hot swap under a stream of calls, and fuel as a limit.
const dbs = await testDatabases('js');
let bytes: Uint8Array;
beforeAll(async () => {
  bytes = readFileSync(await jsGuestPath());
}, 180_000);
const kv = createMemoryKv();
afterAll(async () => {
  await kv.close();
  await dbs.cleanup();
});

it('uploads, serves with its grants, swaps versions under load and stops on fuel', async () => {
  const sql = dbs.targets[0]?.open();
  if (!sql) throw new Error('no SQLite target');
  const host = createWasmHost({ kv }, { cacheDir: join(jsGuestCacheDir(), 'wasm-cache'), logger: {} });
  const registry = createComponentRegistry(sql, host);
  expectOk(await registry.migrate());
  for (const version of ['1', '2']) {
    const stored = expectOk(await registry.upload({ name: 'js-guest', version, bytes }));
    expect(stored.exports).toEqual(expect.arrayContaining(['greet', 'visit', 'crunch']));
    expectOk(await registry.setGrants('js-guest', version, { kv: { prefix: 'js:' } }));
  }
  expectOk(await registry.activate('js-guest', '1'));
  const live = registry.component('js-guest');
  expect(expectOk(await live.call('visit', 'hits'))).toBe(1n);
  expect(await kv.get('js:hits')).toMatchObject({ value: 1n });

  let stop = false;
  const failures: unknown[] = [];
  let served = 0;
  const caller = (async () => {
    while (!stop) {
      const r = await live.call('greet', 'Ada');
      if (r.isOk() && r.value === 'hello, Ada') served++;
      else failures.push(r.isErr() ? r.error : r.value);
    }
  })();
  for (const version of ['2', '1', '2']) expectOk(await registry.activate('js-guest', version));
  stop = true;
  await caller;
  expect(failures).toEqual([]);
  expect(served).toBeGreaterThan(0);

  expectOk(await registry.setLimits('js-guest', '2', { maxFuel: 50_000_000 }));
  expectErr(await live.call('crunch', 1_000_000_000), 'FUEL_EXHAUSTED');
  expect(expectOk(await live.call('greet', 'Bo'))).toBe('hello, Bo'); // a fresh instance serves on
  await registry.close();
  await host.close();
  await sql.close();
}, 120_000);
