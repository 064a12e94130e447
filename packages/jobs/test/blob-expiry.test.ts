import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsBlobstore } from '@keel/adapter-blobstore-fs';
import { ManualClock, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { blobExpiryHandler, blobExpiryJob, deleteExpiredBlobs } from '../src/index.js';
import { eventually, testDatabases } from './support/databases.js';
import { jobsFixture } from './support/jobs-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-blob-expiry-'));
const dbs = await testDatabases('blob-expiry');
afterAll(async () => {
  await dbs.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A folder store on a manual clock, with `expiring` objects of a 1 s ttl, 3 of 10 s, and `kept` without. */
const fill = async (expiring: number, kept: number) => {
  const clock = new ManualClock(1_000_000);
  const store = createFsBlobstore({ root: join(dir, `store-${n++}`), clock, sync: false });
  expectOk(await store.createContainer('exports'));
  for (let i = 0; i < expiring; i++)
    expectOk(await store.write('exports', `e/${String(i).padStart(3, '0')}`, 'x', { ttlMs: 1000 }));
  for (let i = 0; i < 3; i++) expectOk(await store.write('exports', `later/${i}`, 'x', { ttlMs: 10_000 }));
  for (let i = 0; i < kept; i++) expectOk(await store.write('exports', `k/${i}`, 'x'));
  const keys = async () =>
    expectOk(await store.list('exports', { includeExpired: true, limit: 1000 })).objects.map((o) => o.key);
  return { clock, store, keys };
};

describe('the blobstore expiry job', () => {
  const f = jobsFixture((dbs.databases[0] as { target: string }).target);
  it('deletes expired objects in batches, and nothing else', async () => {
    const { clock, store, keys } = await fill(25, 4);
    // Nothing has expired yet.
    expect(expectOk(await deleteExpiredBlobs(store, 'exports', { batchSize: 10, clock }))).toEqual({
      batches: 4,
      scanned: 32,
      deleted: 0,
    });
    clock.advance(1000);
    expect(expectOk(await deleteExpiredBlobs(store, 'exports', { batchSize: 10, clock }))).toEqual({
      batches: 4,
      scanned: 32,
      deleted: 25,
    });
    expect(await keys()).toEqual(['k/0', 'k/1', 'k/2', 'k/3', 'later/0', 'later/1', 'later/2']);
    // The store decides: a sweep whose clock runs an hour ahead deletes nothing the store still
    // serves (an object rewritten since it was listed is a new version, with its own expiry).
    expectOk(await store.write('exports', 'later/0', 'again', { ttlMs: 5000 }));
    const ahead = { now: () => clock.now() + 3_600_000 };
    expect(expectOk(await deleteExpiredBlobs(store, 'exports', { clock: ahead })).deleted).toBe(0);
    clock.advance(7000);
    expect(expectOk(await deleteExpiredBlobs(store, 'exports', { clock: ahead })).deleted).toBe(1);
    expect(await keys()).toEqual(['k/0', 'k/1', 'k/2', 'k/3', 'later/1', 'later/2']);
    await store.close();
  });

  it('runs as a job of the queue', async () => {
    const { clock, store, keys } = await fill(12, 1);
    const jobs = await f.jobs({ jobs: { 'blobs.expire': blobExpiryJob() } });
    expectOk(jobs.work('blobs.expire', blobExpiryHandler(store, { clock })));
    clock.advance(1000);
    const { id } = expectOk(await jobs.enqueue('blobs.expire', { container: 'exports', batchSize: 5 }));
    const done = await eventually(async () => {
      const job = expectOk(await jobs.status(id));
      return job.state === 'completed' && job;
    });
    expect(done.result).toEqual({ batches: 4, scanned: 16, deleted: 12 });
    expect(await keys()).toEqual(['k/0', 'later/0', 'later/1', 'later/2']);
    await store.close();
  });
});
