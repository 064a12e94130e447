import { Readable } from 'node:stream';
import { expectErr, expectOk } from '@keel/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Blobstore } from '@keel/core';
import { createS3Blobstore } from '../src/index.js';
import { s3rverCredentials, startS3rver } from './s3rver.js';

const { endpoint, stop } = await startS3rver();
const open: Blobstore[] = [];
afterEach(async () => Promise.all(open.splice(0).map((s) => s.close())));

function store(bucketPrefix: string, options: { partSizeBytes?: number; maxObjectBytes?: number } = {}): Blobstore {
  const s = createS3Blobstore({
    endpoint,
    forcePathStyle: true,
    credentials: s3rverCredentials,
    bucketPrefix,
    ...(options.partSizeBytes ? { partSizeBytes: options.partSizeBytes } : {}),
    limits: { maxObjectBytes: options.maxObjectBytes ?? 64 * 1024 * 1024 },
  });
  open.push(s);
  return s;
}

async function* chunks(count: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield new Uint8Array(size).fill(i);
}

describe('s3 adapter', () => {
  it('uploads a large stream in parts and reads it back whole', async () => {
    const s = store('mp-', { partSizeBytes: 5 * 1024 * 1024 });
    expectOk(await s.createContainer('box'));
    const meta = expectOk(await s.write('box', 'big.bin', chunks(12, 1024 * 1024)));
    expect(meta.size).toBe(12 * 1024 * 1024);
    const body = expectOk(await s.read('box', 'big.bin')).body;
    let total = 0;
    let last = -1;
    for await (const chunk of body as Readable) {
      total += (chunk as Buffer).byteLength;
      last = (chunk as Buffer).at(-1) as number;
    }
    expect(total).toBe(12 * 1024 * 1024);
    expect(last).toBe(11);
  }, 60_000);

  it('a stream over the limit after several parts is TOO_LARGE and leaves no object', async () => {
    const s = store('mpl-', { partSizeBytes: 5 * 1024 * 1024, maxObjectBytes: 11 * 1024 * 1024 });
    expectOk(await s.createContainer('box'));
    expectErr(await s.write('box', 'big.bin', chunks(12, 1024 * 1024)), 'TOO_LARGE');
    expect(expectOk(await s.exists('box', 'big.bin'))).toBe(false);
  }, 60_000);

  it('maps containers to buckets with the prefix', async () => {
    const s = store('app1-');
    const other = store('app2-');
    expectOk(await s.createContainer('files'));
    expect(expectOk(await other.containerExists('files'))).toBe(false);
    expect(expectOk(await s.containerExists('files'))).toBe(true);
  });

  it('an unreachable store is CONNECTION, and health says so', async () => {
    const s = createS3Blobstore({
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
      credentials: s3rverCredentials,
    });
    open.push(s);
    expectErr(await s.stat('box', 'k'), 'CONNECTION');
    expect((await s.health()).ok).toBe(false);
  });

  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => createS3Blobstore({ bucketPrefix: 'Upper_' })).toThrow(/bucketPrefix/);
    expect(() => createS3Blobstore({ partSizeBytes: 1024 })).toThrow(/partSizeBytes/);
    expect(() => createS3Blobstore({ endpoint: 'not a url' })).toThrow(/endpoint/);
  });

  it('a stopped server is CONNECTION for calls after it stops', async () => {
    const s = store('gone-');
    expectOk(await s.createContainer('box'));
    await stop();
    expectErr(await s.write('box', 'k', Readable.from([Buffer.from('x')])), 'CONNECTION');
  });
});
