import type { HealthDetail } from '../lifecycle/health.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import type { KvCapabilities } from './kv-capabilities.js';
import type { KvEntry, KvExpiry, KvValue } from './kv-contract.js';
import type { KvLimits } from './kv-limits.js';

/** A scan request as a driver sees it: the cursor already decoded into the last key returned. */
export interface KvDriverScan {
  readonly prefix: string;
  /** Continue strictly after this key; `undefined` starts at the prefix. */
  readonly after: string | undefined;
  /** Return at most this many entries, in ascending key order. */
  readonly limit: number;
}

/**
 * What a kv adapter implements. Core validates every argument before calling it, so a driver
 * may trust its inputs; it enforces the lifecycle and turns throws into `Err` values. A driver
 * throws a `KvError` for an expected failure (such as `TYPE_MISMATCH`) and anything else for
 * an unexpected one (which becomes `INTERNAL`). `undefined` TTLs mean "no expiry".
 *
 * Optional methods are derived from the required ones when absent (`exists` from `get`,
 * `getMany` from `get`, …); implement them when the store can do better.
 */
export interface KvDriver {
  readonly adapter: string;
  readonly capabilities: KvCapabilities;
  /** Limits this store enforces; core checks them before every write. */
  readonly limits?: Partial<KvLimits>;
  /** Called once before the first operation; after a failure, called again on the next call. */
  open?(): MaybePromise<void>;
  /** Called once, only after a successful `open`, when no call is in flight. */
  close?(): MaybePromise<void>;
  /** Does a cheap real operation; throws when unhealthy. */
  health?(): MaybePromise<HealthDetail>;

  get(key: string): MaybePromise<KvValue | undefined>;
  set(key: string, value: KvValue, ttlMs: number | undefined): MaybePromise<void>;
  delete(key: string): MaybePromise<boolean>;
  /** Must be atomic with respect to every other write to the key. */
  increment(key: string, delta: bigint): MaybePromise<bigint>;
  /** Must be atomic with respect to every other write to the key. */
  compareAndSwap(
    key: string,
    expected: KvValue | undefined,
    desired: KvValue | undefined,
    ttlMs: number | undefined,
  ): MaybePromise<boolean>;
  expire(key: string, ttlMs: number | undefined): MaybePromise<boolean>;
  ttl(key: string): MaybePromise<KvExpiry | undefined>;
  scan(request: KvDriverScan): MaybePromise<readonly KvEntry[]>;

  exists?(key: string): MaybePromise<boolean>;
  getMany?(keys: readonly string[]): MaybePromise<(KvValue | undefined)[]>;
  setMany?(entries: readonly KvEntry[], ttlMs: number | undefined): MaybePromise<void>;
  deleteMany?(keys: readonly string[]): MaybePromise<number>;
}
