import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { Result, type Sql } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { type WasmHost, createWasmHost } from '@keel/wasm-host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComponentRegistry, createComponentRegistry } from '../src/index.js';
import { fixturePath, testDatabases, versioned } from './support/versioned.js';

const dbs = await testDatabases('registry');
afterAll(() => dbs.cleanup());

describe.each(dbs.targets)('the registry on $name', ({ name, open }) => {
  let sql: Sql;
  let host: WasmHost;
  let registry: ComponentRegistry;
  beforeAll(async () => {
    sql = open();
    host = createWasmHost({ kv: createMemoryKv() }, { cacheDir: false });
    registry = createComponentRegistry(sql, host, { refreshMs: 0 });
    expectOk(await registry.migrate());
  });
  afterAll(async () => {
    await registry.close();
    await host.close();
    await sql.close();
  });

  it('stores a version checked by the host, and gives it back', async () => {
    const bytes = await versioned(1);
    const stored = expectOk(await registry.upload({ name: 'billing', version: '1.0.0', bytes, actor: 'ada' }));
    expect(stored).toMatchObject({ name: 'billing', version: '1.0.0', size: bytes.byteLength, uploadedBy: 'ada' });
    expect(stored.exports).toEqual(expect.arrayContaining(['version', 'slow']));
    expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(expectOk(await registry.download('billing', '1.0.0')))).toEqual(Buffer.from(bytes));
    const info = expectOk(await registry.get('billing'));
    expect(info).toMatchObject({ active: undefined, versions: [{ version: '1.0.0' }] });
    expectErr(await registry.upload({ name: 'billing', version: '1.0.0', bytes }), 'VERSION_EXISTS');
  });

  it('refuses what is not a component of the app world, before storing anything', async () => {
    const bytes = readFileSync(fixturePath('alien'));
    expectErr(await registry.upload({ name: 'alien', version: '1', bytes }), 'NOT_APP_WORLD');
    const junk = new TextEncoder().encode('not a component');
    expectErr(await registry.upload({ name: 'junk', version: '1', bytes: junk }), 'MALFORMED');
    expectErr(await registry.get('alien'), 'NOT_FOUND');
    const small = createComponentRegistry(sql, host, { maxBytes: 16 });
    expectErr(await small.upload({ name: 'big', version: '1', bytes: await versioned(1) }), 'TOO_LARGE');
    const malformed: [string, string][] = [
      ['Bad Name', '1'],
      ['ok', 'no spaces'],
      ['', '1'],
    ];
    for (const [name, version] of malformed)
      expectErr(await registry.upload({ name, version, bytes: junk }), 'INVALID_ARGUMENT');
    expect(() => registry.component('../etc')).toThrow(TypeError);
  });

  it('serves the active version; activation of what cannot be served changes nothing', async () => {
    const live = registry.component('pricing');
    expectErr(await live.call('version'), 'NOT_FOUND');
    for (const n of [1, 2])
      expectOk(await registry.upload({ name: 'pricing', version: `${n}.0`, bytes: await versioned(n) }));
    expectOk(await registry.activate('pricing', '1.0', { actor: 'ada' }));
    expect(expectOk(await live.call('version'))).toBe(1);
    expectOk(await registry.activate('pricing', '2.0', { actor: 'bob' }));
    expect(expectOk(await live.call('version'))).toBe(2);
    expectErr(await registry.activate('pricing', '9.9'), 'NOT_FOUND');
    expectErr(await registry.delete('pricing', '2.0'), 'IN_USE');
    expect(expectOk(await registry.rollback('pricing', { actor: 'ada' }))).toBe('1.0');
    expect(expectOk(await live.call('version'))).toBe(1);
    expectOk(await registry.delete('pricing', '2.0', { actor: 'ada' }));
    expectErr(await registry.version('pricing', '2.0'), 'NOT_FOUND');
    const actions = expectOk(await registry.history('pricing')).map((r) => [r.action, r.version, r.actor]);
    expect(actions).toEqual(
      [
        ['delete', '2.0', 'ada'],
        ['rollback', '1.0', 'ada'],
        ['activate', '2.0', 'bob'],
        ['activate', '1.0', 'ada'],
        ['upload', '2.0', null],
        ['upload', '1.0', null],
      ].map(([a, v, who]) => [a, v, who ?? undefined]),
    );
  });

  it('grants are data: a change applies on the next call, is checked, and is audited', async () => {
    const bytes = readFileSync(fixturePath('kv-guest'));
    expectOk(await registry.upload({ name: 'notes', version: '1', bytes }));
    expectOk(await registry.activate('notes', '1'));
    const notes = registry.component('notes');
    const denied = 100 + 6; // kv's access-denied case
    expect(expectOk(await notes.call('put', 'a', 'x'))).toBe(denied);
    expectOk(await registry.setGrants('notes', '1', { kv: { prefix: 'notes:' } }, { actor: 'ada' }));
    expect(expectOk(await notes.call('put', 'a', 'x'))).toBe(0);
    expectOk(await registry.setGrants('notes', '1', { kv: { prefix: 'notes:', readOnly: true } }, { actor: 'bob' }));
    expect(expectOk(await notes.call('put', 'a', 'y'))).toBe(denied);
    expect(expectOk(await notes.call('fetch', 'a'))).toBe('x');
    const bad = expectErr(
      await registry.setGrants('notes', '1', { kv: { prefix: 'no-separator' } } as never),
      'INVALID_ARGUMENT',
    );
    expect(bad.message).toContain('grants.kv.prefix');
    expectErr(await registry.setGrants('notes', '1', { files: true } as never), 'INVALID_ARGUMENT');
    const [last] = expectOk(await registry.history('notes', { limit: 1 }));
    expect(last).toMatchObject({
      action: 'grants',
      actor: 'bob',
      detail: { from: { kv: { prefix: 'notes:' } }, to: { kv: { prefix: 'notes:', readOnly: true } } },
    });
  });

  it('a canary takes a stable share of keys; calls without a key stay on the active version', async () => {
    for (const n of [1, 2])
      expectOk(await registry.upload({ name: 'search', version: `v${n}`, bytes: await versioned(n) }));
    expectOk(await registry.activate('search', 'v1'));
    expectOk(await registry.setCanary('search', { version: 'v2', percent: 30 }));
    const live = registry.component('search');
    const served = await Promise.all(
      Array.from({ length: 400 }, async (_, i) => expectOk(await live.forKey(`user-${i}`).call('version'))),
    );
    const share = served.filter((v) => v === 2).length / served.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
    for (let i = 0; i < 20; i++) expect(expectOk(await live.forKey(`user-${i}`).call('version'))).toBe(served[i]);
    expect(expectOk(await live.call('version'))).toBe(1);
    expectErr(await registry.delete('search', 'v2'), 'IN_USE');
    expectErr(await registry.setCanary('search', { version: 'v2', percent: 101 }), 'INVALID_ARGUMENT');
    expectErr(await registry.setCanary('search', { version: 'v1', percent: 5 }), 'INVALID_ARGUMENT');
    expectOk(await registry.setCanary('search', null));
    expect(expectOk(await live.forKey('user-1').call('version'))).toBe(1);
  });

  it('lists by name with search and pages', async () => {
    const page1 = expectOk(await registry.list({ limit: 2 }));
    expect(page1.items.map((c) => c.name)).toEqual(['billing', 'notes']);
    const page2 = expectOk(await registry.list({ limit: 2, cursor: page1.cursor }));
    expect(page2.items.map((c) => c.name)).toEqual(['pricing', 'search']);
    expect(page2.cursor).toBeUndefined();
    const found = expectOk(await registry.list({ search: 'ric' }));
    expect(found.items).toEqual([expect.objectContaining({ name: 'pricing', active: '1.0', versionCount: 1 })]);
    expect(expectOk(await registry.list({ search: '%' })).items).toEqual([]);
    expectErr(await registry.list({ cursor: '!!' }), 'INVALID_ARGUMENT');
  });

  it('with a signature policy: only a trusted signer, verified again on every load', async () => {
    const ci = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const signed = createComponentRegistry(sql, host, {
      requireSignature: true,
      trustedKeys: { ci: ci.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    const bytes = await versioned(7);
    const upload = (signature?: Uint8Array, signer?: string) =>
      signed.upload({ name: 'signed', version: '1', bytes, ...(signature ? { signature, signer } : {}) });
    expectErr(await upload(), 'SIGNATURE_REQUIRED');
    expectErr(await upload(sign(null, bytes, other.privateKey), 'mallory'), 'UNKNOWN_SIGNER');
    expectErr(await upload(sign(null, bytes, other.privateKey), 'ci'), 'BAD_SIGNATURE');
    const ok = expectOk(await upload(sign(null, bytes, ci.privateKey), 'ci'));
    expect(ok.signer).toBe('ci');
    expectOk(await signed.activate('signed', '1'));
    expect(expectOk(await signed.component('signed').call('version'))).toBe(7);
    await signed.close();
    // A process that no longer trusts the key refuses to serve the version.
    const distrusting = createComponentRegistry(sql, host, {});
    expectErr(await distrusting.component('signed').call('version'), 'UNAVAILABLE');
    await distrusting.close();
  });

  // PostgreSQL only: two SQLite connections in one process would block each other's event loop
  // (better-sqlite3 waits for the file's write lock synchronously, while the other connection's
  // transaction waits for a turn of that loop). SQLite's BEGIN IMMEDIATE makes each routing change
  // one writer's anyway; on PostgreSQL it is the row lock this test is about.
  it.runIf(name === 'PostgreSQL')(
    'two processes sharing the database take turns: first activations at once, a delete racing an activation',
    async () => {
      // A second connection, host and registry: what another process of the app has.
      const other = open();
      const otherHost = createWasmHost({ kv: createMemoryKv() }, { cacheDir: false });
      const elsewhere = createComponentRegistry(other, otherHost, { refreshMs: 0 });
      const [one, two] = [await versioned(1), await versioned(2)];
      try {
        for (let round = 0; round < 3; round++) {
          const component = `race-${round}`;
          expectOk(await registry.upload({ name: component, version: '1', bytes: one }));
          expectOk(await registry.upload({ name: component, version: '2', bytes: two }));
          // Both activate the name's first version at once: neither collides on the new routing row,
          // and neither change is lost (the later one's `previous` is the earlier one's version).
          expectOk(
            await Promise.all([registry.activate(component, '1'), elsewhere.activate(component, '2')]).then(Result.combine),
          );
          const info = expectOk(await registry.get(component));
          expect([info.active, info.previous].sort()).toEqual(['1', '2']);
          // One process deletes the version the other activates: one of them wins, whole.
          const [deleted, activated] = await Promise.all([
            registry.delete(component, info.previous as string),
            elsewhere.activate(component, info.previous as string),
          ]);
          expect(deleted.isOk() !== activated.isOk(), `round ${round}: exactly one wins`).toBe(true);
          if (deleted.isErr()) expect(deleted.error.code).toBe('IN_USE');
          if (activated.isErr()) expect(activated.error.code).toBe('NOT_FOUND');
          const after = expectOk(await registry.get(component));
          expect(after.versions.map((v) => v.version)).toContain(after.active);
        }
      } finally {
        await elsewhere.close();
        await otherHost.close();
        await other.close();
      }
    },
  );
});
