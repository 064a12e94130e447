import {
  type Blobstore,
  type BlobstoreError,
  type Clock,
  type Result,
  ResultAsync,
  err,
  ok,
  systemClock,
} from '@keel/core';
import { defineJob } from './job-definition.js';
import type { JobHandler } from './jobs-types.js';

/** What the expiry job takes: the container to sweep, and how many objects a batch lists. */
export interface BlobExpiryPayload {
  readonly container: string;
  /** Objects listed (and deleted when expired) per batch, 1 to 1000. @default 100 */
  readonly batchSize?: number;
}

/** What a sweep did. */
export interface BlobExpiryReport {
  readonly batches: number;
  /** Objects listed, expired or not. */
  readonly scanned: number;
  readonly deleted: number;
}

/**
 * The job that deletes a container's expired objects (core already hides them from every read;
 * this gives their space back). Schedule it (`everyMs`, or a cron) with `blobExpiryHandler`.
 *
 * @example
 * const jobs = createJobs({ sql: keel.sql, jobs: { 'blobs.expire': blobExpiryJob() } });
 * jobs.work('blobs.expire', blobExpiryHandler(keel.blobstore));
 * jobs.schedule('exports-expiry', { job: 'blobs.expire', payload: { container: 'exports' }, everyMs: 3_600_000 });
 */
export function blobExpiryJob() {
  return defineJob<BlobExpiryPayload, BlobExpiryReport>({ maxAttempts: 5 });
}

/**
 * Deletes the expired objects of `container`, `batchSize` at a time in key order, stopping
 * between batches when `signal` aborts. An object is deleted only when `stat` (which hides
 * expired objects) no longer sees it: one rewritten since it was listed is a new version, kept.
 */
export async function deleteExpiredBlobs(
  store: Blobstore,
  container: string,
  options: { readonly batchSize?: number; readonly clock?: Clock; readonly signal?: AbortSignal } = {},
): Promise<Result<BlobExpiryReport, BlobstoreError>> {
  const { batchSize = 100, clock = systemClock, signal } = options;
  let cursor: string | undefined;
  let batches = 0;
  let scanned = 0;
  let deleted = 0;
  do {
    if (signal?.aborted) break;
    const page = await store.list(container, {
      limit: batchSize,
      includeExpired: true,
      ...(cursor === undefined ? {} : { cursor }),
    });
    if (page.isErr()) return err(page.error);
    batches++;
    scanned += page.value.objects.length;
    const now = clock.now();
    for (const object of page.value.objects) {
      if (object.expiresAtMs === undefined || object.expiresAtMs > now) continue;
      const current = await store.stat(container, object.key);
      if (current.isErr()) return err(current.error);
      if (current.value !== undefined) continue;
      const gone = await store.delete(container, object.key);
      if (gone.isErr()) return err(gone.error);
      if (gone.value) deleted++;
    }
    cursor = page.value.cursor;
  } while (cursor !== undefined);
  return ok({ batches, scanned, deleted });
}

/** The handler of `blobExpiryJob`: a failed sweep fails the attempt (retried with backoff). */
export function blobExpiryHandler(
  store: Blobstore,
  options: { readonly clock?: Clock } = {},
): JobHandler<BlobExpiryPayload, BlobExpiryReport> {
  return ({ payload, signal }) =>
    new ResultAsync(
      deleteExpiredBlobs(store, payload.container, {
        ...(payload.batchSize === undefined ? {} : { batchSize: payload.batchSize }),
        ...(options.clock ? { clock: options.clock } : {}),
        signal,
      }),
    );
}
