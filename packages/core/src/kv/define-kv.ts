import { err, errAsync, type ResultAsync } from 'neverthrow';
import { adapterLifecycle } from '../lifecycle/adapter-lifecycle.js';
import { toInterfaceError } from '../errors/to-interface-error.js';
import { guardedCall } from '../lifecycle/guarded-call.js';
import { guardedCallSync, type SyncGuardErrors } from '../lifecycle/guarded-call-sync.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Kv, KvOperations, KvSync } from './kv-contract.js';
import { kvChecks } from './kv-checks.js';
import { deriveKvMethods } from './kv-derived.js';
import type { KvDriver } from './kv-driver.js';
import { KvError } from './kv-errors.js';
import { defaultKvLimits } from './kv-limits.js';
import { kvSurface, type KvRunner } from './kv-surface.js';

/**
 * Wraps a kv driver in core's guard and returns the `Kv` callers use: every argument is
 * validated (wrong JavaScript types throw `TypeError`; bad values are `Err`), the lifecycle
 * is enforced, and anything the driver throws becomes an `Err`. A driver that declares the
 * `synchronous` capability also gets `kv.sync`, the same operations returning `Result`.
 *
 * @example
 * export function createMyKv(options: MyKvOptions = {}): Kv {
 *   return defineKv({ adapter: 'my', capabilities: { ttl: false, atomicBatch: false, persistent: false, synchronous: false }, get, set, … });
 * }
 */
export function defineKv(driver: KvDriver): Kv {
  const adapter = driver.adapter;
  const capabilities = Object.freeze({ ...driver.capabilities });
  const check = kvChecks(adapter, { ...defaultKvLimits, ...driver.limits }, capabilities);
  const derived = deriveKvMethods(driver);
  const lifecycle = new Lifecycle(
    () => driver.open?.(),
    () => driver.close?.(),
  );
  const errors: SyncGuardErrors<KvError> = {
    fromThrown: (thrown, op, key) => toInterfaceError(KvError, 'kv', thrown, adapter, op, key),
    notOpen: (op) => new KvError({ code: 'NOT_OPEN', message: `kv adapter '${adapter}' is closed`, adapter, op }),
    busy: (op, message) =>
      new KvError({ code: 'UNAVAILABLE', message: `kv adapter '${adapter}': ${message}`, adapter, op }),
  };

  const asyncRunner: KvRunner<KvOperations> = {
    fail: (error) => errAsync(error),
    call: (op, fn, key) => guardedCall(lifecycle, errors, op, fn, key),
    map: (outcome, fn) => (outcome as ResultAsync<Parameters<typeof fn>[0], KvError>).map(fn),
  };
  const syncRunner: KvRunner<KvSync> = {
    fail: (error) => err(error),
    call: (op, fn, key) => guardedCallSync(lifecycle, errors, op, fn, key),
    map: (outcome, fn) => outcome.map(fn as never),
  };

  const kv: Kv = {
    adapter,
    capabilities,
    ...kvSurface(driver, derived, check, asyncRunner),
    ...(capabilities.synchronous ? { sync: Object.freeze(kvSurface(driver, derived, check, syncRunner)) } : {}),
    ...adapterLifecycle(adapter, lifecycle, errors, () =>
      driver.health ? driver.health() : Promise.resolve(derived.exists('\u0000keel:health')).then(() => undefined),
    ),
  };
  return Object.freeze(kv);
}
