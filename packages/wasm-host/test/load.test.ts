import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeelOptionsError } from '@keel/core/adapter';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createWasmHost, type WasmHost } from '../src/index.js';
import { BootingWorker } from '../src/runtime/booting-worker.js';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
afterAll(() => cache.remove());
const pure = fixture('pure');

function host(options: Parameters<typeof createWasmHost>[1] = {}): WasmHost {
  return createWasmHost({}, { cacheDir: cache.dir, logger: collectingLogger(), ...options });
}

describe('integrity', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const signature = sign(null, pure.bytes, privateKey);

  it('loads with the pinned sha256, as hex or as sha256-<base64>', async () => {
    const h = host();
    expect(expectOk(await h.load(pure.path, { sha256: pure.sha256 })).hash).toBe(pure.sha256);
    const sri = `sha256-${Buffer.from(pure.sha256, 'hex').toString('base64')}`;
    expectOk(await h.load(pure.bytes, { sha256: sri }));
    await h.close();
  });

  it('refuses bytes whose sha256 is not the pinned one', async () => {
    const h = host();
    const tampered = Uint8Array.from(pure.bytes);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    const e = expectErr(await h.load(tampered, { id: 'pure', sha256: pure.sha256 }), 'HASH_MISMATCH');
    expect(e.message).toContain(pure.sha256);
    expect(e.component).toBe('pure');
    await h.close();
  });

  it('accepts a good ed25519 signature in every encoding and key form', async () => {
    const h = host();
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    for (const [sig, key] of [
      [signature, publicKey],
      [signature.toString('base64'), publicKey.export({ format: 'pem', type: 'spki' }) as string],
      [signature.toString('hex'), new Uint8Array(raw)],
    ] as const) {
      expectOk(await h.load(pure.bytes, { signature: sig, publicKey: key }));
    }
    await h.close();
  });

  it('refuses a bad signature, a signature by another key, and a key without a signature', async () => {
    const h = host();
    const other = generateKeyPairSync('ed25519');
    const forged = Buffer.from(signature);
    forged[0] = (forged[0] as number) ^ 1;
    expectErr(await h.load(pure.bytes, { signature: forged, publicKey }), 'BAD_SIGNATURE');
    expectErr(await h.load(pure.bytes, { signature, publicKey: other.publicKey }), 'BAD_SIGNATURE');
    expectErr(await h.load(pure.bytes, { publicKey }), 'BAD_SIGNATURE');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(
      expectErr(await h.load(pure.bytes, { signature, publicKey: rsa.publicKey }), 'BAD_SIGNATURE').message,
    ).toContain('not ed25519');
    // A signature over other bytes does not transfer.
    expectErr(await h.load(fixture('trap').bytes, { signature, publicKey }), 'BAD_SIGNATURE');
    await h.close();
  });

  it('refuses what is not a component before transpiling it', async () => {
    const h = host();
    expectErr(await h.load(new Uint8Array([1, 2, 3]), {}), 'MALFORMED');
    const core = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(expectErr(await h.load(core, {}), 'MALFORMED').message).toContain('core module');
    expectErr(await h.load(pure.bytes.subarray(0, pure.bytes.length - 40), {}), 'MALFORMED');
    expectErr(await h.load(join(cache.dir, 'missing.wasm'), {}), 'READ_FAILED');
    await h.close();
  });

  it('treats option mistakes as programming errors', () => {
    const h = host();
    expect(() => h.load(pure.bytes, { sha256: 'abc' })).toThrow(TypeError);
    expect(() => h.load(pure.bytes, { grants: { kv: { prefx: 'a' } } as never })).toThrow(/grants\.kv\.prefx/);
    expect(() => h.load(pure.bytes, { limits: { timeoutMs: 0 } })).toThrow(/limits\.timeoutMs/);
    expect(() => h.load(42 as never, {})).toThrow(TypeError);
  });

  it('reports every mistake in one grants object at once, each with its path', () => {
    const h = host();
    const grants = {
      kv: { prefix: 'tenant1', readOnyl: true },
      sql: { access: 'read-only', statements: { wipe: 'DELETE FROM notes', list: 'SELECT 1' } },
      http: ['api.example.com', 'https://x.com/path'],
      env: { HOME: 42 },
      email: { from: 'me@example.test' },
      auth: 'yes',
    };
    let error: unknown;
    try {
      h.load(pure.bytes, { grants: grants as never, limits: { timeoutMs: 0 } });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(KeelOptionsError);
    const { where, issues } = error as KeelOptionsError;
    expect(where).toBe('host.load');
    expect(issues.map((i) => i.path)).toEqual([
      'grants.kv.prefix',
      'grants.kv.readOnyl',
      'grants.sql.statements.wipe',
      'grants.http[1]',
      'grants.env.HOME',
      'grants.email.from',
      'grants.auth',
      'limits.timeoutMs',
    ]);
    const problems = Object.fromEntries(issues.map((i) => [i.path, i.problem]));
    expect(problems['grants.kv.prefix']).toMatch(/^must end with ':' or '\/'/);
    expect(problems['grants.kv.readOnyl']).toMatch(/did you mean 'readOnly'/);
    expect(problems['grants.sql.statements.wipe']).toMatch(/a read-only grant allows only SELECT, WITH and VALUES/);
    expect(problems['grants.http[1]']).toMatch(/^expected a host, host:port or \*\.domain/);
    expect(problems['grants.env.HOME']).toBe('expected a string, got 42');
    expect(problems['grants.email.from']).toMatch(/^expected an array of sender addresses/);
    expect(problems['limits.timeoutMs']).toBe('expected an integer from 1 to 2147483647, got 0');
  });
});

describe('the isolated worker, started as the load begins', () => {
  it('is ended when the load fails before its component starts', async () => {
    const h = host({ mode: 'isolated' });
    const before = new Set(BootingWorker.running);
    const started = () => [...BootingWorker.running].filter((w) => !before.has(w)).length;
    for (const sha256 of ['0'.repeat(64), '1'.repeat(64), '2'.repeat(64)])
      expectErr(await h.load(pure.bytes, { sha256 }), 'HASH_MISMATCH');
    expectErr(await h.load(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])), 'MALFORMED');
    await expect.poll(started, { timeout: 5000 }).toBe(0);
    await h.close();
  });

  it('serves the component it was started for, and the next one gets its own', async () => {
    const h = host({ mode: 'isolated' });
    const [a, b] = await Promise.all([h.load(pure.bytes, { id: 'a' }), h.load(pure.bytes, { id: 'b' })]);
    expect(expectOk(await expectOk(a).call('add', 1, 2))).toBe(3);
    expect(expectOk(await expectOk(b).call('add', 3, 4))).toBe(7);
    await h.close();
  });
});

describe('the app world', () => {
  it('refuses a component that imports an interface outside it', async () => {
    const h = host();
    const e = expectErr(await h.load(fixture('alien').bytes, { id: 'alien' }), 'NOT_APP_WORLD');
    expect(e.message).toContain('acme:shell/exec');
    await h.close();
  });

  it("refuses keel:infrastructure/kv with types other than the host's", async () => {
    const h = host();
    const e = expectErr(await h.load(fixture('kv-impostor').bytes, { grants: { kv: true } }), 'NOT_APP_WORLD');
    expect(e.message).toMatch(/function get differs/);
    await h.close();
  });

  it('refuses an incompatible version of a keel interface', async () => {
    const h = host();
    expect(expectErr(await h.load(fixture('kv-next').bytes, {}), 'NOT_APP_WORLD').message).toContain('@0.2.0');
    await h.close();
  });

  it('refuses to use a component that does not export kv as a kv adapter', async () => {
    const h = host();
    const e = expectErr(await h.load(pure.bytes, { role: 'kv-adapter' } as never), 'NOT_APP_WORLD');
    expect(e.message).toContain('does not export keel:infrastructure/kv');
    await h.close();
  });
});

describe('the transpile cache', () => {
  it('transpiles once per content hash: memory, then disk for a new host', async () => {
    const dir = tempDir();
    const first = host({ cacheDir: dir.dir });
    expect(expectOk(await first.load(pure.bytes, {})).loadedFrom).toBe('transpiled');
    expect(expectOk(await first.load(pure.bytes, {})).loadedFrom).toBe('memory');
    await first.close();
    // A new host (as a new process would) finds it on disk.
    const second = host({ cacheDir: dir.dir });
    const c = expectOk(await second.load(pure.bytes, {}));
    expect(c.loadedFrom).toBe('disk');
    expect(expectOk(await c.call('add', 40, 2))).toBe(42);
    await second.close();
    dir.remove();
  });

  it('ignores a corrupted cache entry and transpiles again', async () => {
    const dir = tempDir();
    const first = host({ cacheDir: dir.dir });
    expectOk(await first.load(pure.bytes, {}));
    await first.close();
    const [entry] = readdirSync(dir.dir);
    writeFileSync(join(dir.dir, entry as string, 'glue.js'), 'globalThis.pwned = true; return () => ({});');
    const second = host({ cacheDir: dir.dir });
    const c = expectOk(await second.load(pure.bytes, {}));
    expect(c.loadedFrom).toBe('transpiled');
    expect(expectOk(await c.call('add', 1, 1))).toBe(2);
    expect((globalThis as { pwned?: boolean }).pwned).toBeUndefined();
    await second.close();
    dir.remove();
  });

  it('keeps no core modules in an entry: it says where they are in the component, and a load takes them from there', async () => {
    const dir = tempDir();
    const first = host({ cacheDir: dir.dir });
    expectOk(await first.load(pure.bytes, {}));
    await first.close();
    const [entry] = readdirSync(dir.dir).filter((e) => e !== 'capped');
    expect(readdirSync(join(dir.dir, entry as string))).not.toContain('core');
    const manifest = JSON.parse(readFileSync(join(dir.dir, entry as string, 'manifest.json'), 'utf8')) as {
      ranges: Record<string, [number, number]>;
    };
    const [offset, length] = manifest.ranges['component.core.wasm'] as [number, number];
    // The range is the module jco took out of the component, byte for byte.
    expect(Buffer.from(pure.bytes.subarray(offset, offset + length)).subarray(0, 8)).toEqual(
      Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
    );
    dir.remove();
  });

  it("takes core modules from each load's own bytes, not from a buffer an earlier caller has reused since", async () => {
    const dir = tempDir();
    const first = host({ cacheDir: dir.dir });
    expectOk(await first.load(pure.bytes, {}));
    await first.close();
    const second = host({ cacheDir: dir.dir });
    const reused = new Uint8Array(pure.bytes);
    expect(expectOk(await second.load(reused, {})).loadedFrom).toBe('disk');
    reused.fill(0);
    // Other limits: the core modules are capped again, from the bytes of this load.
    const c = expectOk(await second.load(new Uint8Array(pure.bytes), { limits: { maxMemoryBytes: 2 * 65536 } }));
    expect(c.loadedFrom).toBe('memory');
    expect(expectOk(await c.call('add', 2, 2))).toBe(4);
    await second.close();
    dir.remove();
  });

  it.each([
    ['a range on bytes that are no core module', (at: [number, number]) => [0, at[1]]],
    ['a range past the end of the component', (at: [number, number]) => [at[0], 1e9]],
    ['a range that is not two numbers', () => 'everything'],
  ])('transpiles again when an entry holds %s', async (_, range) => {
    const dir = tempDir();
    const first = host({ cacheDir: dir.dir });
    expectOk(await first.load(pure.bytes, {}));
    await first.close();
    const [entry] = readdirSync(dir.dir).filter((e) => e !== 'capped');
    const file = join(dir.dir, entry as string, 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { ranges: Record<string, unknown> };
    manifest.ranges['component.core.wasm'] = range(manifest.ranges['component.core.wasm'] as [number, number]);
    writeFileSync(file, JSON.stringify(manifest));
    const second = host({ cacheDir: dir.dir });
    const c = expectOk(await second.load(pure.bytes, {}));
    expect(c.loadedFrom).toBe('transpiled');
    expect(expectOk(await c.call('add', 1, 1))).toBe(2);
    await second.close();
    dir.remove();
  });

  it('keeps nothing on disk when cacheDir is false', async () => {
    const h = host({ cacheDir: false });
    expect(expectOk(await h.load(pure.bytes, {})).loadedFrom).toBe('transpiled');
    expect(expectOk(await h.load(pure.bytes, {})).loadedFrom).toBe('memory');
    await h.close();
  });
});

describe('calling', () => {
  it('accepts WIT, jco and interface names, and throws on an unknown export', async () => {
    const h = host({ mode: 'in-thread' });
    const c = expectOk(await h.load(pure.bytes, {}));
    expect(c.exports).toEqual(expect.arrayContaining(['add', 'checkedDiv', 'greet', 'noop', 'count']));
    expect(expectOk(c.callSync('checkedDiv', 9, 3))).toBe(3);
    expect(expectOk(c.callSync('checked-div', 9, 3))).toBe(3);
    expect(() => c.callSync('nope')).toThrow(/no export 'nope'/);
    await h.close();
  });

  it('reports arguments that do not fit the WIT types, and keeps serving', async () => {
    const h = host({ mode: 'in-thread' });
    const c = expectOk(await h.load(pure.bytes, {}));
    expectErr(c.callSync('greet', 42), 'INVALID_ARGUMENT');
    expect(expectOk(c.callSync('greet', 'again'))).toBe('hello, again');
    await h.close();
  });

  it('refuses calls after close, and loads after the host closes', async () => {
    const h = host();
    const c = expectOk(await h.load(pure.bytes, {}));
    await c.close();
    expectErr(await c.call('add', 1, 2), 'CLOSED');
    await h.close();
    expectErr(await h.load(pure.bytes, {}), 'CLOSED');
  });

  it('callSync is for in-thread mode only', async () => {
    const h = host({ mode: 'isolated' });
    const c = expectOk(await h.load(pure.bytes, {}));
    expect(() => c.callSync('add', 1, 2)).toThrow(/in-thread/);
    await h.close();
  });
});
