import { isPromiseLike, type MaybePromise } from '../lifecycle/promise-like.js';
import type { KvEntry, KvValue } from './kv-contract.js';
import type { KvDriver } from './kv-driver.js';

/** The optional driver methods, derived from the required ones where the driver has none. */
export interface DerivedKvMethods {
  exists(key: string): MaybePromise<boolean>;
  getMany(keys: readonly string[]): MaybePromise<(KvValue | undefined)[]>;
  setMany(entries: readonly KvEntry[], ttlMs: number | undefined): MaybePromise<void>;
  deleteMany(keys: readonly string[]): MaybePromise<number>;
}

export function deriveKvMethods(driver: KvDriver): DerivedKvMethods {
  return {
    exists: driver.exists?.bind(driver) ?? ((key) => then(driver.get(key), (v) => v !== undefined)),
    getMany: driver.getMany?.bind(driver) ?? ((keys) => all(keys.map((key) => driver.get(key)))),
    setMany:
      driver.setMany?.bind(driver) ??
      ((entries, ttlMs) =>
        sequence(
          entries,
          (e) => driver.set(e.key, e.value, ttlMs),
          () => undefined,
        )),
    deleteMany:
      driver.deleteMany?.bind(driver) ??
      ((keys) => {
        let count = 0;
        return sequence(
          keys,
          (key) => then(driver.delete(key), (existed) => void (existed && count++)),
          () => count,
        );
      }),
  };
}

function then<T, U>(value: MaybePromise<T>, fn: (value: T) => U): MaybePromise<U> {
  return isPromiseLike(value) ? Promise.resolve(value).then(fn) : fn(value);
}

function all<T>(values: MaybePromise<T>[]): MaybePromise<T[]> {
  return values.some(isPromiseLike) ? Promise.all(values) : (values as T[]);
}

/** Runs `step` over the items one after another, staying synchronous while the driver is. */
function sequence<T, R>(items: readonly T[], step: (item: T) => MaybePromise<unknown>, done: () => R): MaybePromise<R> {
  for (let i = 0; i < items.length; i++) {
    const result = step(items[i] as T);
    if (isPromiseLike(result)) {
      return (async () => {
        await result;
        for (let j = i + 1; j < items.length; j++) await step(items[j] as T);
        return done();
      })();
    }
  }
  return done();
}
