import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { toInterfaceError } from '../errors/to-interface-error.js';
import { adapterLifecycle } from '../lifecycle/adapter-lifecycle.js';
import { systemClock } from '../lifecycle/clock.js';
import { type GuardErrors, guardedCall } from '../lifecycle/guarded-call.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import { bodyForDriver } from './blobstore-body.js';
import type { BlobstoreCapabilities } from './blobstore-capabilities.js';
import { blobstoreChecks } from './blobstore-checks.js';
import type { Blobstore, BlobMetadata, BlobstoreOperations } from './blobstore-contract.js';
import type { BlobstoreDriver } from './blobstore-driver.js';
import { BlobstoreError } from './blobstore-errors.js';
import { defaultBlobstoreLimits } from './blobstore-limits.js';
import { encodeCursor } from '../kv/kv-cursor.js';

const OCTET_STREAM = 'application/octet-stream';

/**
 * Wraps a blobstore driver in core's guard and returns the `Blobstore` callers use: container
 * names, keys and options are validated (wrong JavaScript types throw `TypeError`; bad values
 * are `Err`), the lifecycle is enforced, expired objects are hidden, `ifMatch` on reads is
 * checked, bodies are held to `maxObjectBytes`, and anything the driver throws becomes an `Err`.
 *
 * @example
 * export function createMyBlobstore(options: MyOptions): Blobstore {
 *   return defineBlobstore({ adapter: 'my', capabilities: { presignedUrls: false, … }, stat, read, write, … });
 * }
 */
export function defineBlobstore(driver: BlobstoreDriver): Blobstore {
  const adapter = driver.adapter;
  const limits = { ...defaultBlobstoreLimits, ...driver.limits };
  const capabilities: BlobstoreCapabilities = Object.freeze({
    ...driver.capabilities,
    maxObjectBytes: limits.maxObjectBytes,
  });
  if (capabilities.presignedUrls && typeof driver.presign !== 'function') {
    throw new TypeError(`blobstore adapter '${adapter}' declares presignedUrls but has no presign method`);
  }
  const clock = driver.clock ?? systemClock;
  const check = blobstoreChecks(adapter, limits, capabilities);
  const lifecycle = new Lifecycle(
    () => driver.open?.(),
    () => driver.close?.(),
  );
  const errors: GuardErrors<BlobstoreError> = {
    fromThrown: (thrown, op, key) => toInterfaceError(BlobstoreError, 'blobstore', thrown, adapter, op, key),
    notOpen: (op) =>
      new BlobstoreError({ code: 'NOT_OPEN', message: `blobstore adapter '${adapter}' is closed`, adapter, op }),
  };
  const fail = (code: 'NOT_FOUND' | 'PRECONDITION', op: string, message: string, container: string, key: string) =>
    new BlobstoreError({ code, message, adapter, op, container, key });
  const missing = (op: string, container: string, key: string) =>
    fail('NOT_FOUND', op, `no object '${key}' in container '${container}'`, container, key);
  const live = (m: BlobMetadata | undefined) =>
    m !== undefined && (m.expiresAtMs === undefined || m.expiresAtMs > clock.now()) ? m : undefined;
  const run = <T>(problem: BlobstoreError | undefined, op: string, fn: () => MaybePromise<T>, key?: string) =>
    problem ? errAsync<T, BlobstoreError>(problem) : guardedCall(lifecycle, errors, op, fn, key);

  const operations: BlobstoreOperations = {
    createContainer: (name) =>
      run(check.container('createContainer', name), 'createContainer', () => driver.createContainer(name)),
    deleteContainer: (name) =>
      run(check.container('deleteContainer', name), 'deleteContainer', () => driver.deleteContainer(name)),
    containerExists: (name) =>
      run(check.container('containerExists', name), 'containerExists', () => driver.containerExists(name)),
    stat: (c, k) => run(check.target('stat', c, k), 'stat', () => driver.stat(c, k), k).map(live),
    exists: (c, k) =>
      run(check.target('exists', c, k), 'exists', () => driver.stat(c, k), k).map((m) => live(m) !== undefined),
    delete: (c, k) => run(check.target('delete', c, k), 'delete', () => driver.delete(c, k), k),

    read(c, k, options = {}) {
      return run(check.read(c, k, options), 'read', () => driver.read(c, k, options.range), k).andThen((found) => {
        if (found === undefined || live(found.metadata) === undefined) {
          found?.body.destroy();
          return errAsync(missing('read', c, k));
        }
        if (options.ifMatch !== undefined && found.metadata.etag !== options.ifMatch) {
          found.body.destroy();
          return errAsync(fail('PRECONDITION', 'read', `the etag of '${k}' is not ${options.ifMatch}`, c, k));
        }
        return okAsync(found);
      });
    },

    write(c, k, body, options = {}) {
      const problem = check.write(c, k, options);
      const forDriver = problem ? undefined : bodyForDriver(body, limits.maxObjectBytes);
      if (forDriver instanceof BlobstoreError) {
        const { code, message } = forDriver;
        return errAsync(new BlobstoreError({ code, message, adapter, op: 'write', container: c, key: k }));
      }
      return run(
        problem,
        'write',
        () => {
          const nowMs = clock.now();
          return driver.write(c, k, forDriver as Uint8Array | AsyncIterable<Uint8Array>, {
            contentType: options.contentType ?? OCTET_STREAM,
            expiresAtMs: options.ttlMs === undefined ? undefined : nowMs + options.ttlMs,
            ifMatch: options.ifMatch,
            ifAbsent: options.ifAbsent ?? false,
            nowMs,
          });
        },
        k,
      );
    },

    list(c, options = {}) {
      const request = check.list(c, options);
      if (request instanceof BlobstoreError) return errAsync(request);
      const { limit } = request;
      const keepExpired = options.includeExpired === true;
      // Expired objects are dropped after the driver pages, so a page may need more than one call.
      const page = (after: string | undefined, found: BlobMetadata[]): ResultAsync<BlobMetadata[], BlobstoreError> =>
        guardedCall(lifecycle, errors, 'list', () => driver.list(c, { ...request, after, limit: limit + 1 })).andThen(
          (batch) => {
            const more = batch.length > limit;
            const seen = more ? batch.slice(0, limit) : batch;
            for (const m of seen) if (keepExpired || live(m)) found.push(m);
            if (found.length > limit || !more) return okAsync(found);
            return page(seen[seen.length - 1]?.key, found);
          },
        );
      return page(request.after, []).map((found) => {
        const objects = found.slice(0, limit);
        // A full page may have more after it: the cursor says where to go on; a final empty page ends it.
        const last = objects[objects.length - 1];
        return { objects, cursor: found.length > limit && last ? encodeCursor(last.key) : undefined };
      });
    },

    copy(c, k, toC, toK) {
      const problem =
        check.target('copy', c, k) ??
        check.container('copy', toC, 'toContainer') ??
        check.key('copy', toC, toK, 'toKey');
      const source = capabilities.expiry
        ? run(problem, 'copy', () => driver.stat(c, k), k).map(live)
        : run<BlobMetadata | undefined>(problem, 'copy', () => undefined, k).map(() => ({}) as BlobMetadata);
      return source.andThen((found) =>
        found === undefined
          ? errAsync(missing('copy', c, k))
          : guardedCall(lifecycle, errors, 'copy', () => driver.copy(c, k, toC, toK, clock.now()), k).andThen(
              (copied) => (copied === undefined ? errAsync(missing('copy', c, k)) : okAsync(copied)),
            ),
      );
    },

    presign: (c, k, options) =>
      run(
        check.presign(c, k, options),
        'presign',
        () => (driver.presign as NonNullable<typeof driver.presign>)(c, k, options),
        k,
      ),
  };

  const blobstore: Blobstore = {
    adapter,
    capabilities,
    ...operations,
    ...adapterLifecycle(adapter, lifecycle, errors, () =>
      driver.health ? driver.health() : Promise.resolve(driver.containerExists('keel-health')).then(() => undefined),
    ),
  };
  return Object.freeze(blobstore);
}
