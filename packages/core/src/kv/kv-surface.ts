import type { Result, ResultAsync } from 'neverthrow';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import type { KvEntry, KvOperations, KvSync } from './kv-contract.js';
import type { KvChecks } from './kv-checks.js';
import { encodeCursor } from './kv-cursor.js';
import type { DerivedKvMethods } from './kv-derived.js';
import type { KvDriver } from './kv-driver.js';
import { KvError } from './kv-errors.js';

type Outcome<T> = ResultAsync<T, KvError> | Result<T, KvError>;

/** How one surface delivers outcomes: as `ResultAsync` (the `Kv` itself) or as `Result` (`kv.sync`). */
export interface KvRunner<S extends KvOperations | KvSync> {
  /** Brands the runner with the surface it builds; never read. */
  readonly surface?: S;
  fail(error: KvError): Outcome<never>;
  call<T>(op: string, fn: () => MaybePromise<T>, key?: string): Outcome<T>;
  map<T, U>(outcome: Outcome<T>, fn: (value: T) => U): Outcome<U>;
}

/**
 * The kv operations over a driver, written once for both surfaces: each checks its arguments,
 * then hands the driver call to the runner, which decides how the outcome is delivered.
 */
export function kvSurface<S extends KvOperations | KvSync>(
  driver: KvDriver,
  derived: DerivedKvMethods,
  check: KvChecks,
  run: KvRunner<S>,
): S {
  const guard = (problem: KvError | undefined, op: string, fn: () => MaybePromise<unknown>, key?: string) =>
    problem ? run.fail(problem) : run.call(op, fn, key);

  const operations = {
    get: (key) => guard(check.key('get', key), 'get', () => driver.get(key), key),
    set(key, value, options) {
      const ttlMs = check.ttlOf('set', options);
      const problem = check.key('set', key) ?? check.value('set', key, value) ?? check.ttl('set', ttlMs, key);
      return guard(problem, 'set', () => driver.set(key, value, ttlMs), key);
    },
    delete: (key) => guard(check.key('delete', key), 'delete', () => driver.delete(key), key),
    exists: (key) => guard(check.key('exists', key), 'exists', () => derived.exists(key), key),
    increment(key, delta = 1n) {
      const problem = check.delta(delta, key) ?? check.key('increment', key);
      return guard(problem, 'increment', () => driver.increment(key, delta), key);
    },
    compareAndSwap(key, expected, desired, options) {
      const op = 'compareAndSwap';
      const ttlMs = check.ttlOf(op, options);
      const problem =
        check.key(op, key) ??
        (expected === undefined ? undefined : check.value(op, key, expected, 'expected')) ??
        (desired === undefined ? undefined : check.value(op, key, desired, 'desired')) ??
        check.ttl(op, ttlMs, key);
      return guard(problem, op, () => driver.compareAndSwap(key, expected, desired, ttlMs), key);
    },
    expire(key, ttlMs) {
      const problem = check.key('expire', key) ?? check.ttl('expire', ttlMs, key);
      return guard(problem, 'expire', () => driver.expire(key, ttlMs), key);
    },
    ttl: (key) => guard(check.key('ttl', key), 'ttl', () => driver.ttl(key), key),
    scan(options = {}) {
      const request = check.scan(options);
      if (request instanceof KvError) return run.fail(request);
      const { prefix, after, limit } = request;
      // Ask for one more than the page so the last page needs no extra round trip to say so.
      return run.map(
        run.call('scan', () => driver.scan({ prefix, after, limit: limit + 1 })),
        (entries) => {
          if (entries.length <= limit) return { entries, cursor: undefined };
          const page = entries.slice(0, limit);
          return { entries: page, cursor: encodeCursor((page[limit - 1] as KvEntry).key) };
        },
      );
    },
    getMany: (keys) => guard(check.keys('getMany', keys), 'getMany', () => derived.getMany(keys)),
    setMany(entries, options) {
      const ttlMs = check.ttlOf('setMany', options);
      const problem = check.entries('setMany', entries) ?? check.ttl('setMany', ttlMs);
      return guard(problem, 'setMany', () => derived.setMany(entries, ttlMs));
    },
    deleteMany: (keys) => guard(check.keys('deleteMany', keys), 'deleteMany', () => derived.deleteMany(keys)),
  } satisfies { [K in keyof KvOperations]: (...args: Parameters<KvOperations[K]>) => Outcome<unknown> };
  return operations as unknown as S;
}
