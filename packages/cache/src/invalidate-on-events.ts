import { ResultAsync, okAsync } from '@keel/core';
import type { CacheError } from './cache-errors.js';
import type { Cache } from './create-cache.js';

/** The part of a domain event (`@keel/events`' `StoredEvent`) that invalidation reads. */
export interface CacheEvent {
  readonly type: string;
  readonly aggregateId: string;
  readonly data: unknown;
}

/** What an event makes stale: entry keys, tags, or both. */
export interface CacheInvalidation {
  readonly keys?: readonly string[];
  readonly tags?: readonly string[];
}

/** Per event type, what it makes stale (`undefined`: nothing, for this event). */
export type InvalidationRules<E extends CacheEvent = CacheEvent> = Readonly<
  Record<string, (event: E) => CacheInvalidation | undefined>
>;

/**
 * An event handler that invalidates what each event makes stale, for `events.subscribe`: it
 * returns `Err` when the kv write failed, so the subscription retries the event. Events of types
 * without a rule pass.
 *
 * @example
 * const onTaskEvent = invalidateOnEvents(cache, {
 *   TaskUpdated: (e) => ({ keys: [`task:${e.aggregateId}`], tags: [`workspace:${(e.data as Task).workspaceId}`] }),
 *   TaskDeleted: (e) => ({ keys: [`task:${e.aggregateId}`] }),
 * });
 * events.subscribe('Task*', onTaskEvent, { group: 'cache' });
 */
export function invalidateOnEvents<E extends CacheEvent = CacheEvent>(
  cache: Cache,
  rules: InvalidationRules<E>,
): (event: E) => ResultAsync<void, CacheError> {
  if (rules === null || typeof rules !== 'object') throw new TypeError('invalidateOnEvents: rules must be an object');
  for (const [type, rule] of Object.entries(rules)) {
    if (typeof rule !== 'function') throw new TypeError(`invalidateOnEvents: rules.${type} must be a function`);
  }
  return (event) => {
    const rule = Object.hasOwn(rules, event.type) ? rules[event.type] : undefined;
    const what = rule?.(event);
    if (what === undefined) return okAsync(undefined);
    const keys = what.keys ?? [];
    const tags = what.tags ?? [];
    return ResultAsync.combine([cache.invalidate(keys), cache.invalidateTag(tags)]).map(() => undefined);
  };
}
