import type { Kv, Result } from '@keel/core';
import { type CacheError, createCache, invalidateOnEvents } from '@keel/cache';
import type { StoredEvent, Subscription } from '@keel/events';
import { pollInterval, type AppEvents } from './app-events.js';
import { unwrap } from './http-errors.js';

/** The tag of everything cached about one workspace. */
export const workspaceTag = (workspaceId: number | string) => `workspace:${workspaceId}`;

/**
 * The read cache on `@keel/cache` (cache-aside in kv, one load per key at a time, in every
 * process that shares the kv), with a TTL; `ttlMs` 0 turns it off. Entries are tagged by workspace:
 * the task and workspace events invalidate the tag (`invalidateOnEvents`, below), and a writer also
 * invalidates it at once after its commit, so that its own next read is fresh without waiting for
 * the event's delivery.
 *
 * @example
 * const cache = createReadCache(keel.kv, 30_000);
 * const { value, hit } = await cache.get(`tasks:${id}`, [workspaceTag(id)], () => store.tasks(id));
 */
export function createReadCache(kv: Kv, ttlMs: number) {
  const cache = ttlMs > 0 ? createCache(kv, { prefix: 'read-cache:', ttlMs }) : undefined;
  return {
    /**
     * The cached value, or what `load` gives. `hit` is whether this call did not run `load`:
     * `getOrSet` does not say whether it loaded, so the loader records that it ran. A call that
     * shared another caller's load in flight counts as a hit (it ran no query).
     */
    async get<T>(key: string, tags: readonly string[], load: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
      if (!cache) return { value: await load(), hit: false };
      let loaded = false;
      const found = await cache.getOrSet(
        key,
        () => {
          loaded = true;
          return load();
        },
        { tags: [...tags] },
      );
      // What the loader threw (an HttpError, a Keel error) goes up as it was.
      const result = found as Result<unknown, CacheError>; // `load` returns no Result: only CacheErrors
      if (result.isErr() && result.error.code === 'LOAD_FAILED') throw result.error.cause;
      return { value: (await unwrap(result)) as T, hit: !loaded };
    },

    /** Drops everything cached under the tags, in every process sharing the kv. */
    async invalidate(tags: readonly string[]): Promise<void> {
      if (cache) await unwrap(cache.invalidateTag([...tags]));
    },

    /**
     * Invalidates a workspace's entries on each of its task and workspace events, whoever wrote
     * them (another process, a job, a script): at least once, retried while the kv fails.
     */
    subscribe(events: AppEvents, options: { readonly pollIntervalMs?: number } = {}): Subscription | undefined {
      if (!cache) return undefined;
      // A task's events carry the workspace as their tenant; a workspace's, as their aggregate.
      const ofTask = (e: StoredEvent) =>
        e.metadata.tenantId === undefined ? undefined : { tags: [workspaceTag(e.metadata.tenantId)] };
      const ofWorkspace = (e: StoredEvent) => ({ tags: [workspaceTag(e.aggregateId)] });
      const handler = invalidateOnEvents<StoredEvent>(cache, {
        TaskCreated: ofTask,
        TaskUpdated: ofTask,
        TaskDeleted: ofTask,
        WorkspaceUpdated: ofWorkspace,
        WorkspaceDeleted: ofWorkspace,
      });
      return events.subscribe(['Task*', 'Workspace*'], handler, {
        group: 'read-cache',
        // A new cache has nothing to invalidate from before it existed.
        startFrom: 'end',
        ...pollInterval(options),
      });
    },
  };
}

export type ReadCache = ReturnType<typeof createReadCache>;
