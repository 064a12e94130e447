import type { Result, ResultAsync } from 'neverthrow';
import type { AdapterLifecycle } from '../lifecycle/health.js';
import type { KvCapabilities } from './kv-capabilities.js';
import type { KvError } from './kv-errors.js';

/**
 * A stored value. Each case of WIT `kv.value` is one JavaScript type, so the type round-trips:
 * `text` ↔ `string`, `bytes` ↔ `Uint8Array`, `s64` ↔ `bigint`, `f64` ↔ `number`, `bool` ↔ `boolean`.
 */
export type KvValue = string | Uint8Array | bigint | number | boolean;

/** WIT `kv.set-options`. */
export interface KvSetOptions {
  /** Time to live in milliseconds (a positive integer); omitted keeps the key until deleted. */
  readonly ttlMs?: number;
}

/** WIT `kv.expiry`: `never`, or the milliseconds left (`after-ms`). */
export type KvExpiry = { readonly kind: 'never' } | { readonly kind: 'after-ms'; readonly ms: number };

/** WIT `kv.entry`. */
export interface KvEntry {
  readonly key: string;
  readonly value: KvValue;
}

/** WIT `kv.scan-options`; every field is optional on the TypeScript side. */
export interface KvScanOptions {
  /** Only keys starting with this prefix. @default '' */
  readonly prefix?: string;
  /** The `cursor` of the previous page. */
  readonly cursor?: string;
  /** At most this many entries, 1 to 10000. @default 100 */
  readonly limit?: number;
}

/** WIT `kv.scan-page`. */
export interface KvScanPage {
  readonly entries: readonly KvEntry[];
  /** Pass to the next `scan` to continue; `undefined` when the scan is complete. */
  readonly cursor: string | undefined;
}

/**
 * The operations of WIT interface `keel:infrastructure/kv`, name for name (kebab-case becomes
 * camelCase). A test compares this interface with the WIT and fails when they drift.
 *
 * Scan guarantee: pages come in ascending key order (UTF-8 byte order); resuming from a cursor
 * continues strictly after the last key returned, so no key appears twice and every key that
 * exists for the whole scan appears once. Keys added or removed during the scan may or may not appear.
 */
export interface KvOperations {
  get(key: string): ResultAsync<KvValue | undefined, KvError>;
  set(key: string, value: KvValue, options?: KvSetOptions): ResultAsync<void, KvError>;
  /** `true` when the key existed. */
  delete(key: string): ResultAsync<boolean, KvError>;
  exists(key: string): ResultAsync<boolean, KvError>;
  /** Adds `delta` (default `1n`) to an s64 value, a missing key counting as `0n`; keeps the expiry. */
  increment(key: string, delta?: bigint): ResultAsync<bigint, KvError>;
  /**
   * Writes `desired` (`undefined` deletes) only if the current value equals `expected`
   * (`undefined`: the key must not exist). `true` when it wrote.
   */
  compareAndSwap(
    key: string,
    expected: KvValue | undefined,
    desired: KvValue | undefined,
    options?: KvSetOptions,
  ): ResultAsync<boolean, KvError>;
  /** Sets (`ttlMs`) or removes (`undefined`) the expiry of an existing key; `false` when it does not exist. */
  expire(key: string, ttlMs: number | undefined): ResultAsync<boolean, KvError>;
  /** `undefined` when the key does not exist. */
  ttl(key: string): ResultAsync<KvExpiry | undefined, KvError>;
  scan(options?: KvScanOptions): ResultAsync<KvScanPage, KvError>;
  getMany(keys: readonly string[]): ResultAsync<(KvValue | undefined)[], KvError>;
  setMany(entries: readonly KvEntry[], options?: KvSetOptions): ResultAsync<void, KvError>;
  /** How many of the keys existed. */
  deleteMany(keys: readonly string[]): ResultAsync<number, KvError>;
}

/**
 * A kv store as callers get it: the contract operations, guarded by core, plus lifecycle.
 *
 * @example
 * const kv = createMemoryKv();
 * await kv.set('greeting', 'hello', { ttlMs: 60_000 });
 * const value = (await kv.get('greeting'))._unsafeUnwrap(); // 'hello'
 */
export interface Kv extends KvOperations, AdapterLifecycle<KvError> {
  readonly capabilities: KvCapabilities;
  /**
   * The same operations answered at once, as `Result` instead of `ResultAsync`; present exactly
   * when `capabilities.synchronous`. For callers that cannot await, such as a WebAssembly
   * guest's imports served in-thread.
   */
  readonly sync?: KvSync;
}

/** A `ResultAsync`-returning operation as the same operation returning `Result`. */
type Synchronous<F> = F extends (...args: infer A) => ResultAsync<infer T, infer E>
  ? (...args: A) => Result<T, E>
  : never;

/**
 * The synchronous face of a kv store (`kv.sync`): every operation, guarded exactly as on `Kv`,
 * returning `Result`. The first call opens the adapter; a call after `close()` is `NOT_OPEN`.
 *
 * @example
 * const kv = createMemoryKv();
 * const hits = kv.sync?.increment('hits'); // Result<bigint, KvError>
 */
export type KvSync = { readonly [K in keyof KvOperations]: Synchronous<KvOperations[K]> };
