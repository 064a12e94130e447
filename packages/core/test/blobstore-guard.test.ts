import { Readable } from 'node:stream';
import { expectErr, expectOk, ManualClock } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { defineBlobstore, type BlobstoreDriver } from '../src/adapter.js';
import type { BlobMetadata } from '../src/index.js';

const meta = (key: string, expiresAtMs?: number): BlobMetadata => ({
  container: 'box',
  key,
  size: 1,
  contentType: 'text/plain',
  etag: `e-${key}`,
  createdAtMs: 0,
  expiresAtMs,
});

/** A driver whose methods do what each test says; the guard is what is under test here. */
function driver(overrides: Partial<BlobstoreDriver>): BlobstoreDriver {
  return {
    adapter: 'test',
    capabilities: { presignedUrls: false, ranges: true, expiry: true, conditionalWrites: false, persistent: false },
    createContainer: () => true,
    deleteContainer: () => true,
    containerExists: () => true,
    stat: () => undefined,
    read: () => undefined,
    write: (_c, key) => meta(key),
    list: () => [],
    copy: () => undefined,
    delete: () => false,
    ...overrides,
  };
}

describe('defineBlobstore guard', () => {
  it('turns a stray throw into INTERNAL with the original as cause', async () => {
    const boom = new Error('disk on fire');
    const store = defineBlobstore(driver({ stat: () => Promise.reject(boom) }));
    const error = expectErr(await store.stat('box', 'k'), 'INTERNAL');
    expect(error.cause).toBe(boom);
    expect(error).toMatchObject({ adapter: 'test', op: 'stat', key: 'k' });
  });

  it('never calls the driver with a bad key or container', async () => {
    let calls = 0;
    const store = defineBlobstore(driver({ write: () => (calls++, meta('x')), stat: () => (calls++, undefined) }));
    expectErr(await store.write('box', '../x', 'v'), 'INVALID_KEY');
    expectErr(await store.stat('Box', 'k'), 'INVALID_KEY');
    expect(calls).toBe(0);
  });

  it('pages past expired objects: a full page of live ones and a cursor, however many expired lie between', async () => {
    const clock = new ManualClock();
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    // b, c, d, e have expired: the first page of 2 must be a, f and say there is more.
    const all = keys.map((k) => meta(k, 'bcde'.includes(k) ? clock.now() - 1 : undefined));
    const requests: number[] = [];
    const store = defineBlobstore(
      driver({
        clock,
        list: (_c, { after, limit }) => {
          requests.push(limit);
          return all.filter((m) => after === undefined || m.key > after).slice(0, limit);
        },
      }),
    );
    const first = expectOk(await store.list('box', { limit: 2 }));
    expect(first.objects.map((o) => o.key)).toEqual(['a', 'f']);
    expect(first.cursor).toBeDefined();
    const second = expectOk(await store.list('box', { limit: 2, cursor: first.cursor as string }));
    expect(second.objects.map((o) => o.key)).toEqual(['g']);
    expect(second.cursor).toBeUndefined();
    expect(requests.every((n) => n === 3)).toBe(true);
    const everything = expectOk(await store.list('box', { limit: 10, includeExpired: true }));
    expect(everything.objects).toHaveLength(7);
  });

  it('stops pulling a streamed body the moment it passes maxObjectBytes', async () => {
    let pulled = 0;
    let stopped = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          pulled++;
          yield new Uint8Array(100);
        }
      } finally {
        stopped = true;
      }
    }
    const store = defineBlobstore(
      driver({
        limits: { maxObjectBytes: 250 },
        write: async (_c, key, body) => {
          for await (const _ of body as AsyncIterable<Uint8Array>) void _;
          return meta(key);
        },
      }),
    );
    expectErr(await store.write('box', 'k', source()), 'TOO_LARGE');
    expect(pulled).toBe(3);
    expect(stopped).toBe(true);
    expect(store.capabilities.maxObjectBytes).toBe(250);
  });

  it('destroys the body of a read it refuses (expired, or another etag)', async () => {
    const clock = new ManualClock();
    const body = Readable.from(['x']);
    const store = defineBlobstore(driver({ clock, read: () => ({ metadata: meta('k'), body }) }));
    expectErr(await store.read('box', 'k', { ifMatch: 'other' }), 'PRECONDITION');
    expect(body.destroyed).toBe(true);
  });

  it('a driver that declares presignedUrls must have presign', () => {
    expect(() =>
      defineBlobstore(
        driver({
          capabilities: {
            presignedUrls: true,
            ranges: true,
            expiry: true,
            conditionalWrites: false,
            persistent: false,
          },
        }),
      ),
    ).toThrow(TypeError);
  });
});
