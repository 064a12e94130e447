import { createFsBlobstore } from '@keel/adapter-blobstore-fs';
import { createS3Blobstore } from '@keel/adapter-blobstore-s3';
import { Readable } from 'node:stream';
import type { BlobMetadata, Blobstore } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryExecutionLog, createWasmHost, type WasmGrants } from '../src/index.js';
import { BlobStreams, IncomingStream, MAX_READ_CHUNK } from '../src/imports/blob-streams.js';
import { blobstoreBinding } from '../src/imports/blobstore-binding.js';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';
// adapter-blobstore-s3's own private s3rver (a real S3 API server, in a child process on 127.0.0.1).
import { s3rverCredentials, startS3rver } from '../../adapter-blobstore-s3/test/s3rver.js';

const cache = tempDir();
const files = tempDir('keel-wasm-blobs-');
afterAll(() => {
  cache.remove();
  files.remove();
});
const guest = fixture('blob-guest');
// Error cases of WIT `blobstore.error`, by index.
const INVALID_KEY = 0;
const INVALID_ARGUMENT = 1;
const NOT_FOUND = 4;
const TOO_LARGE = 5;
const ACCESS_DENIED = 9;
// Steps of the fixture's results.
const READ = 100;
const WRITE = 300;
const CHUNK_OUT = 400;

const grant: WasmGrants = {
  blobstore: {
    containers: {
      uploads: { prefix: 'tenant-a/', access: 'read-write', maxObjectBytes: 256 * 1024 },
      shared: { access: 'read' },
    },
  },
};

const s3 = await startS3rver();
let n = 0;
/** The stores a guest is tested on: each test gets a fresh one. */
const stores: { name: string; make: () => Blobstore }[] = [
  { name: 'fs', make: () => createFsBlobstore({ root: `${files.dir}/store-${n++}` }) },
  {
    name: 's3 (s3rver)',
    make: () =>
      createS3Blobstore({
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: s3rverCredentials,
        bucketPrefix: `w${n++}-`,
      }),
  },
];

const setupOn = async (grants: WasmGrants = grant, makeStore = stores[0]?.make as () => Blobstore) => {
  const store = makeStore();
  for (const c of ['uploads', 'shared', 'private']) expectOk(await store.createContainer(c));
  const log = createMemoryExecutionLog();
  const logger = collectingLogger();
  const host = createWasmHost({ blobstore: store }, { cacheDir: cache.dir, logger, executionLog: log });
  const c = expectOk(await host.load(guest.bytes, { id: 'files', grants }));
  const text = async (container: string, key: string) => {
    const o = expectOk(await store.read(container, key));
    const chunks: Buffer[] = [];
    for await (const chunk of o.body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const denials = () => log.records().reduce((sum, r) => sum + r.deniedCalls, 0);
  const done = async () => {
    await host.close();
    await store.close();
  };
  return { store, log, logger, c, text, denials, done };
};

describe('an incoming value', () => {
  it('gives at most MAX_READ_CHUNK bytes a read, whatever the body hands the host at once', async () => {
    const big = new Uint8Array(3 * MAX_READ_CHUNK + 1).fill(7);
    const metadata = { container: 'c', key: 'k', size: big.byteLength } as BlobMetadata;
    const stream = new IncomingStream({ metadata, body: Readable.from([big]) });
    const sizes: number[] = [];
    for (let chunk = await stream.read(2 ** 32 - 1); chunk; chunk = await stream.read(2 ** 32 - 1))
      sizes.push(chunk.byteLength);
    expect(sizes).toEqual([MAX_READ_CHUNK, MAX_READ_CHUNK, MAX_READ_CHUNK, 1]);
    expect(await stream.read(1)).toBeUndefined();
  });
});

describe('the blobstore binding', () => {
  it('refuses container admin always, and presigned uploads a size limit could not hold', async () => {
    const store = createFsBlobstore({ root: `${files.dir}/binding` });
    expectOk(await store.createContainer('uploads'));
    const denied: string[] = [];
    const ctx = {
      componentId: 'c',
      hash: 'h',
      logger: {},
      denied: (iface: string, fn: string, reason: string) => {
        denied.push(`${iface}.${fn}`);
        return { tag: 'access-denied', val: reason };
      },
    };
    const resolved = { containers: { uploads: { prefix: 'a/', access: 'read-write', maxObjectBytes: 10 } } } as const;
    const b = blobstoreBinding(store, resolved, ctx, new BlobStreams()) as Record<string, (...a: unknown[]) => unknown>;
    const tag = async (f: () => unknown) => {
      try {
        await f();
        return 'ok';
      } catch (e) {
        return (e as { tag: string }).tag;
      }
    };
    const put = { method: 'put', expiresInMs: 60_000n };
    expect(await tag(() => b.createContainer?.('uploads'))).toBe('access-denied');
    expect(await tag(() => b.deleteContainer?.('uploads'))).toBe('access-denied');
    expect(await tag(() => b.presign?.('uploads', 'a/x', put))).toBe('access-denied');
    // A presigned read passes the grant; the folder adapter has no presigned URLs.
    expect(await tag(() => b.presign?.('uploads', 'a/x', { method: 'get', expiresInMs: 60_000n }))).toBe('unsupported');
    expect(denied).toEqual(['blobstore.createContainer', 'blobstore.deleteContainer', 'blobstore.presign']);
    await store.close();
  });
});

describe.each(stores)(
  'a blobstore guest on $name (isolated: streams are resources, every operation asynchronous)',
  ({ make }) => {
    const setup = (grants: WasmGrants = grant) => setupOn(grants, make);

    it('streams a file in and a transformed copy out, in bounded chunks', async () => {
      const { store, c, text, log, done } = await setup();
      const body = 'hello, files! '.repeat(10_000); // 140 000 bytes: three chunks of at most 64 KiB
      expectOk(await store.write('uploads', 'tenant-a/in.txt', body));
      // The guest asks for 4 GiB at a time; the host gives at most MAX_READ_CHUNK.
      expect(
        expectOk(await c.call('transform', 'uploads', 'tenant-a/in.txt', 'tenant-a/out.txt', 0xffffffff, 0n, 0n)),
      ).toBe(0);
      expect(await text('uploads', 'tenant-a/out.txt')).toBe(body.toUpperCase());
      // At most MAX_READ_CHUNK a read, so at least three reads. Not exactly three: a body over
      // HTTP (s3) may hand the host less than a chunk at a time, and the host gives what it has.
      const stats = expectOk(await c.call('chunks')) as bigint;
      expect(Number(stats >> 32n)).toBeGreaterThanOrEqual(Math.ceil(body.length / MAX_READ_CHUNK));
      expect(Number(stats & 0xffffffffn)).toBeLessThanOrEqual(MAX_READ_CHUNK);
      // Small chunks, and a range: the guest cannot read past the range's end.
      expect(expectOk(await c.call('transform', 'uploads', 'tenant-a/in.txt', 'tenant-a/part.txt', 5, 7n, 6n))).toBe(0);
      expect(await text('uploads', 'tenant-a/part.txt')).toBe('FILES!');
      expect(expectOk(await c.call('chunks'))).toBe((2n << 32n) | 5n);
      expect(log.records().at(0)).toMatchObject({ outcome: 'ok', deniedCalls: 0 });
      await done();
    });

    it('refuses other containers, keys outside the prefix (at its boundary) and writes under read, counted', async () => {
      const { store, c, logger, denials, done } = await setup();
      expectOk(await store.write('uploads', 'tenant-a/in.txt', 'a'));
      expectOk(await store.write('uploads', 'tenant-ab/secret.txt', 'theirs'));
      expectOk(await store.write('private', 'tenant-a/in.txt', 'private'));
      expectOk(await store.write('shared', 'readme.txt', 'shared'));
      const copy = (container: string, from: string, to: string) =>
        c.call('transform', container, from, to, 1024, 0n, 0n);
      // Reading: another tenant's prefix (a/ never covers ab/), another container, no key at all.
      for (const [container, from] of [
        ['uploads', 'tenant-ab/secret.txt'],
        ['uploads', 'tenant-a'],
        ['uploads', 'TENANT-A/in.txt'],
        ['private', 'tenant-a/in.txt'],
        ['__proto__', 'tenant-a/in.txt'],
      ] as const)
        expect([container, from, expectOk(await copy(container, from, 'tenant-a/x'))]).toEqual([
          container,
          from,
          READ + ACCESS_DENIED,
        ]);
      // Writing out of the prefix, and into a read-only container.
      expect(expectOk(await copy('uploads', 'tenant-a/in.txt', 'tenant-ab/planted.txt'))).toBe(WRITE + ACCESS_DENIED);
      expect(expectOk(await copy('shared', 'readme.txt', 'readme-2.txt'))).toBe(WRITE + ACCESS_DENIED);
      expect(expectOk(await c.call('remove', 'shared', 'readme.txt'))).toBe(100 + ACCESS_DENIED);
      // Listing outside the prefix (an empty prefix is the whole container).
      expect(expectOk(await c.call('count', 'uploads', ''))).toBe(1000 + ACCESS_DENIED);
      expect(expectOk(await c.call('count', 'uploads', 'tenant-a/'))).toBe(1);
      expect(expectOk(await c.call('count', 'shared', ''))).toBe(1);
      expect(denials()).toBe(5 + 2 + 1 + 1);
      expect(logger.lines.filter((l) => l.message === 'denied a host call').at(-1)?.fields).toMatchObject({
        component: 'files',
        interface: 'blobstore',
        function: 'list',
      });
      expect(expectOk(await store.exists('uploads', 'tenant-ab/planted.txt'))).toBe(false);
      await done();
    });

    it('refuses `..`, `.` and absolute keys through core before the store (no file outside it is touched)', async () => {
      const { store, c, done } = await setup();
      expectOk(await store.write('uploads', 'tenant-a/in.txt', 'a'));
      for (const key of ['tenant-a/../tenant-b/x', 'tenant-a/./x', 'tenant-a/..', 'tenant-a/x\u0000'])
        expect([key, expectOk(await c.call('transform', 'uploads', 'tenant-a/in.txt', key, 16, 0n, 0n))]).toEqual([
          key,
          WRITE + INVALID_KEY,
        ]);
      expect(
        expectOk(await c.call('transform', 'uploads', 'tenant-a/../../../etc/passwd', 'tenant-a/x', 16, 0n, 0n)),
      ).toBe(READ + INVALID_KEY);
      expect(expectOk(await c.call('count', 'uploads', 'tenant-a/'))).toBe(1);
      await done();
    });

    it("stops a write at the grant's maxObjectBytes, chunk by chunk, and leaves nothing visible", async () => {
      const { store, c, done } = await setup();
      // 4 × 64 KiB is exactly the limit; a fifth chunk passes it.
      expect(expectOk(await c.call('fill', 'uploads', 'tenant-a/full.bin', 65536, 4, true))).toBe(0);
      expect(expectOk(await store.stat('uploads', 'tenant-a/full.bin'))?.size).toBe(4 * 65536);
      expect(expectOk(await c.call('fill', 'uploads', 'tenant-a/big.bin', 65536, 5, true))).toBe(CHUNK_OUT + TOO_LARGE);
      expect(expectOk(await store.exists('uploads', 'tenant-a/big.bin'))).toBe(false);
      // Over the limit as an existing object: the old version stays.
      expect(expectOk(await c.call('fill', 'uploads', 'tenant-a/full.bin', 65536, 5, true))).toBe(
        CHUNK_OUT + TOO_LARGE,
      );
      expect(expectOk(await store.stat('uploads', 'tenant-a/full.bin'))?.size).toBe(4 * 65536);
      await done();
    });

    it('discards a write dropped without finish', async () => {
      const { store, c, done } = await setup();
      expect(expectOk(await c.call('fill', 'uploads', 'tenant-a/half.bin', 1000, 3, false))).toBe(0);
      // The call ends only once the store has let go of the dropped upload.
      expect(expectOk(await store.exists('uploads', 'tenant-a/half.bin'))).toBe(false);
      expect(expectOk(await store.list('uploads')).objects).toEqual([]);
      await done();
    });

    it('refuses forged, foreign and dropped handles: the glue cannot name another object, the host finds none', async () => {
      const { store, c, done } = await setup();
      expectOk(await store.write('uploads', 'tenant-a/in.txt', 'abc'));
      // jco's glue hands the host a handle object without the host's id for a handle it never
      // issued (of that type, or any more): the host's tables find nothing and say so.
      expect(expectOk(await c.call('forge', 'uploads', 'tenant-a/in.txt', 0))).toBe(200 + INVALID_ARGUMENT);
      expect(expectOk(await c.call('forge', 'uploads', 'tenant-a/in.txt', 1))).toBe(CHUNK_OUT + INVALID_ARGUMENT);
      expect(expectOk(await c.call('forge', 'uploads', 'tenant-a/in.txt', 2))).toBe(200 + INVALID_ARGUMENT);
      expect(expectOk(await c.call('forge', 'uploads', 'tenant-a/none.txt', 1))).toBe(READ + NOT_FOUND);
      expect(expectOk(await store.list('uploads')).objects.map((o) => o.key)).toEqual(['tenant-a/in.txt']);
      await done();
    });
  },
);

describe('a blobstore grant', () => {
  it('is checked when the component is loaded', async () => {
    const host = createWasmHost({}, { cacheDir: false });
    for (const [grants, path] of [
      [
        { blobstore: { containers: { uploads: { prefix: 'tenant-a' } } } },
        'grants.blobstore.containers.uploads.prefix',
      ],
      [{ blobstore: { containers: { Up: {} } } }, 'grants.blobstore.containers'],
      [{ blobstore: { containers: { uploads: { access: 'write' } } } }, 'grants.blobstore.containers.uploads.access'],
      [{ blobstore: true }, 'grants.blobstore'],
    ] as const) {
      const error = await Promise.resolve()
        .then(() => host.load(guest.bytes, { grants: grants as unknown as WasmGrants }))
        .catch((e: Error) => e);
      expect([path, error instanceof Error && error.message.includes(path)]).toEqual([path, true]);
    }
    await host.close();
    // Streams need an asynchronous adapter, which in-thread mode cannot wait for.
    const store = createFsBlobstore({ root: `${files.dir}/in-thread` });
    const inThread = createWasmHost({ blobstore: store }, { cacheDir: cache.dir, mode: 'in-thread' });
    const error = expectErr(await inThread.load(guest.bytes, { grants: grant }), 'UNAVAILABLE');
    expect(error.message).toContain('use isolated mode');
    await inThread.close();
    await store.close();
  });
});
